/**
 * A cluster flavor's model URI must name storage a pod can read. The model servers run in pods whose
 * storage initializer downloads the model: a path on the machine that runs `zenml` means nothing there.
 *
 * What the initializers accept, read in their sources at the tested tags:
 * - KServe v0.20.0, pkg/controller/v1beta1/inferenceservice/utils/utils.go `SupportedStorageURIPrefixList`:
 *   gs://, s3://, pvc://, file://, https://, http://, hdfs://, webhdfs://, oci://, oci+native://, hf://, and
 *   https://<account>.blob.core.windows.net/… (Azure). Its file:// and bare paths are paths inside the
 *   model server's own image, never the deploying machine's.
 * - Seldon Core v1.17.1, operator/controllers/model_initializer_injector.go: pvc:// is mounted by the
 *   operator; every other URI goes to the rclone storage initializer, which reads `<remote>://bucket/path`
 *   for any rclone remote configured in the pod (s3://, gs://, azureblob://, https://, …).
 * So any `<scheme>://` other than file:// passes here, and the cluster's initializer has the last word.
 */
import { UsageError } from '../../errors.js';

/** Schemes named in the hint (the common ones both initializers read). */
export const CLUSTER_MODEL_URI_SCHEMES = ['s3://', 'gs://', 'pvc://', 'https://', 'hdfs://', 'webhdfs://', 'hf://', 'oci://'] as const;

const SCHEME = /^([A-Za-z][A-Za-z0-9+.-]*):\/\//;

/** Why `uri` is not something a pod can read ('' when it has a remote scheme, or is empty: no model to fetch). */
export function localModelUriReason(uri: string): string {
  if (uri === '') return '';
  const scheme = SCHEME.exec(uri)?.[1];
  if (scheme === undefined) return 'a local path';
  // A single letter is a Windows drive (C://models), not a scheme.
  if (scheme.length === 1) return 'a local path';
  if (scheme.toLowerCase() === 'file') return 'a file:// URI on this machine';
  return '';
}

/**
 * Refuse a model URI that no pod can read (exit 2), naming the flavor and the schemes it takes; checked
 * before anything talks to the cluster.
 */
export function checkClusterModelUri(uri: string | undefined, flavor: string): void {
  const reason = localModelUriReason(uri ?? '');
  if (!reason) return;
  throw new UsageError(`--model-uri ${uri}: the ${flavor} flavor runs model servers in cluster pods, which cannot read ${reason}`, {
    code: 'LOCAL_MODEL_URI',
    suggestion: `upload the model where the cluster's storage initializer can fetch it and pass that URI (${CLUSTER_MODEL_URI_SCHEMES.join(', ')} …); the local flavor serves local files`,
    details: { modelUri: uri, flavor },
  });
}
