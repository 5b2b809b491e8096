/** What `predict` sends to a model server and what comes back: shared by the base class, flavors and the CLI. */

/** The two inference protocols the CLI can speak: MLflow's scoring protocol and the Open Inference Protocol v2. */
export type PredictionProtocol = 'mlflow' | 'v2';

/** The protocols by name, for option parsing and messages. */
export const PREDICTION_PROTOCOLS: readonly PredictionProtocol[] = ['mlflow', 'v2'];

/** One prediction request, body already read and checked. */
export interface PredictRequest {
  /** The request body as sent (JSON text or CSV with a header row). */
  body: string;
  /** `application/json` or `text/csv`. */
  contentType: 'application/json' | 'text/csv';
  /** Where the body came from, for messages (`--data`, a file path, `stdin`). */
  source: string;
  /** The protocol asked for; undefined: the one the server speaks natively. */
  protocol?: PredictionProtocol;
  /** The model to ask on a server that serves several (default: the service's own). */
  model?: string;
  /** Milliseconds to wait for the answer. */
  timeoutMs: number;
}

/** The server's answer to a successful prediction. */
export interface Prediction {
  /** The server that answered. */
  uuid: string;
  /** The protocol that was spoken. */
  protocol: PredictionProtocol;
  /** The URL the request went to (never carries the auth token). */
  url: string;
  /** The HTTP status (2xx). */
  status: number;
  /** The answer parsed as JSON, or its text when it is not JSON. */
  answer: unknown;
}
