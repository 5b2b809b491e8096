"""Calls the model server with the official Triton/KServe v2 Python clients, with their defaults, and prints what
they got back as one JSON object. Used by test/server/official-clients.test.ts.

usage: triton_clients.py HTTP_HOST_PORT GRPC_HOST_PORT TOKEN ROWS_JSON
"""
import json
import sys

import numpy as np
import tritonclient.grpc as grpcclient
import tritonclient.http as httpclient
from tritonclient.utils import InferenceServerException

http_target, grpc_target, token, rows_json = sys.argv[1:5]
rows = np.array(json.loads(rows_json), dtype=np.float32)


def auth():
    # A fresh dict per call: tritonclient.http writes Inference-Header-Content-Length into the headers it is given,
    # so a shared dict would carry one call's header length into the next call.
    return {"Authorization": f"Bearer {token}"}


# gRPC metadata keys are lower-case.
grpc_auth = {"authorization": f"Bearer {token}"}


out = {}


def iris_outputs(result):
    return {"probabilities": result.as_numpy("probabilities").ravel().tolist(), "label": result.as_numpy("label").ravel().tolist()}


def error_of(call):
    try:
        call()
    except InferenceServerException as e:
        return {"status": str(e.status()), "message": e.message()}
    return None


# HTTP, defaults: binary input data, and no outputs named, so the client asks for every output as binary.
http = httpclient.InferenceServerClient(url=http_target)
out["http_live"] = http.is_server_live()
out["http_ready"] = http.is_model_ready("iris", headers=auth())
out["http_extensions"] = http.get_server_metadata(headers=auth())["extensions"]
inp = httpclient.InferInput("input", list(rows.shape), "FP32")
inp.set_data_from_numpy(rows)
result = http.infer("iris", [inp], headers=auth(), request_id="py-http")
out["http_binary"] = iris_outputs(result)
out["http_binary_id"] = result.get_response()["id"]
out["http_binary_sizes"] = {o["name"]: o.get("parameters", {}).get("binary_data_size") for o in result.get_response()["outputs"]}

# HTTP with JSON tensors both ways.
inp_json = httpclient.InferInput("input", list(rows.shape), "FP32")
inp_json.set_data_from_numpy(rows, binary_data=False)
wanted = [httpclient.InferRequestedOutput(n, binary_data=False) for n in ("probabilities", "label")]
out["http_json"] = iris_outputs(http.infer("iris", [inp_json], outputs=wanted, headers=auth()))

# Every datatype the typed model takes, binary; and BYTES.
def typed_inputs(mod):
    arrays = {
        "f64": np.array([[0.5, -1.25]], dtype=np.float64),
        "i32": np.array([21], dtype=np.int32),
        "i64": np.array([2**40], dtype=np.int64),
        "flag": np.array([True]),
    }
    datatypes = {"f64": "FP64", "i32": "INT32", "i64": "INT64", "flag": "BOOL"}
    inputs = []
    for name, arr in arrays.items():
        i = mod.InferInput(name, list(arr.shape), datatypes[name])
        i.set_data_from_numpy(arr)
        inputs.append(i)
    return inputs


def typed_outputs(result):
    return {n: result.as_numpy(n).ravel().tolist() for n in ("f64_double", "i32_double", "i64_double", "flag_not")}


out["http_typed"] = typed_outputs(http.infer("typed", typed_inputs(httpclient), headers=auth()))
text = httpclient.InferInput("text", [2], "BYTES")
text.set_data_from_numpy(np.array(["a".encode(), "ü".encode()], dtype=np.object_))
out["http_bytes"] = [b.decode() for b in http.infer("strings", [text], headers=auth()).as_numpy("echo").ravel()]

bad = httpclient.InferInput("input", [2, 2], "FP32")
bad.set_data_from_numpy(np.zeros((2, 2), dtype=np.float32))
out["http_bad_shape"] = error_of(lambda: http.infer("iris", [bad], headers=auth()))
out["http_no_token"] = error_of(lambda: http.infer("iris", [inp]))
http.close()

# gRPC, defaults: raw_input_contents in, raw_output_contents back.
grpc = grpcclient.InferenceServerClient(url=grpc_target)
out["grpc_live"] = grpc.is_server_live()
out["grpc_ready"] = grpc.is_model_ready("iris", headers=grpc_auth)
out["grpc_extensions"] = list(grpc.get_server_metadata(headers=grpc_auth).extensions)
meta = grpc.get_model_metadata("iris", headers=grpc_auth)
out["grpc_model_inputs"] = [{"name": t.name, "datatype": t.datatype, "shape": list(t.shape)} for t in meta.inputs]
ginp = grpcclient.InferInput("input", list(rows.shape), "FP32")
ginp.set_data_from_numpy(rows)
gresult = grpc.infer("iris", [ginp], headers=grpc_auth, request_id="py-grpc")
out["grpc"] = iris_outputs(gresult)
out["grpc_id"] = gresult.get_response().id
out["grpc_typed"] = typed_outputs(grpc.infer("typed", typed_inputs(grpcclient), headers=grpc_auth))
gtext = grpcclient.InferInput("text", [2], "BYTES")
gtext.set_data_from_numpy(np.array(["a".encode(), "ü".encode()], dtype=np.object_))
out["grpc_bytes"] = [b.decode() for b in grpc.infer("strings", [gtext], headers=grpc_auth).as_numpy("echo").ravel()]

gbad = grpcclient.InferInput("input", [2, 2], "FP32")
gbad.set_data_from_numpy(np.zeros((2, 2), dtype=np.float32))
out["grpc_bad_shape"] = error_of(lambda: grpc.infer("iris", [gbad], headers=grpc_auth))
out["grpc_unknown_model"] = error_of(lambda: grpc.infer("nope", [ginp], headers=grpc_auth))
out["grpc_no_token"] = error_of(lambda: grpc.infer("iris", [ginp]))
grpc.close()

print(json.dumps(out))
