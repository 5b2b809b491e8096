"""The bench's KServe peer: KServe's Python model server serving the scikit-learn iris model (model.joblib of
train_iris_sklearn.py --joblib-out) as `iris`, on v2 REST (/v2/models/iris/infer) and v2 gRPC (ModelInfer).

  python kserve_iris_server.py --model_dir DIR --http_port N --grpc_port M

The shape is KServe's documented custom model for the Open (v2) Inference Protocol: kserve/website,
docs/model-serving/predictive-inference/frameworks/custom-predictor/custom-predictor.md, "Create and Deploy Custom
gRPC ServingRuntime" (model_grpc.py: a `kserve.Model` subclass whose load() sets `ready` and whose predict() takes
an InferRequest, reads the tensor with `inputs[0].as_numpy()` and answers `get_predict_response(...)`, started with
`ModelServer().start([model])`). Loading and predicting are those of KServe's own sklearn server
(kserve/kserve python/sklearnserver/sklearnserver/model.py: joblib.load, then `predict`, not `predict_proba`, by
default), so it answers what MLServer's sklearn runtime answers: the label, as `output-0`. as_numpy() reads both the
REST JSON `data` and gRPC `raw_input_contents` (kserve/protocol/infer_type.py, InferInput.as_numpy); for a gRPC
request of raw contents get_predict_response answers raw contents too (InferRequest.use_binary_outputs).

The ModelServer runs with KServe's defaults (one uvicorn worker, gRPC on with 4 threads, per-request latency
logging on) except the listen address. KServe 0.20.0 has no argument for it: ModelServer takes ports only,
RESTServer passes host="0.0.0.0" to uvicorn and GRPCServer adds the port "[::]:<port>"
(kserve/protocol/rest/server.py, kserve/protocol/grpc/server.py). The bench binds nothing but 127.0.0.1, so the two
wrappers below rewrite that one address before either server binds, and fail if KServe's address is not the one
they expect (a KServe whose shape changed). Nothing on the request path is touched. (KServe's log still says
"Starting gRPC server on [::]:<port>": it logs the address before handing it to add_insecure_port.)
"""

import argparse
import os
from typing import Dict

import joblib
from grpc import aio
from kserve import InferRequest, InferResponse, Model, ModelServer, model_server
from kserve.protocol.grpc import server as grpc_server
from kserve.protocol.rest import server as rest_server
from kserve.utils.utils import get_predict_response

LOOPBACK = "127.0.0.1"


def _rest_on_loopback():
    init = rest_server.RESTServer.__init__

    def loopback_init(self, *args, **kwargs):
        init(self, *args, **kwargs)
        # uvicorn reads config.host when it binds (Config.bind_socket / Server.startup), after this.
        if self.config.host != "0.0.0.0":
            raise RuntimeError(f"KServe's REST server listens on {self.config.host!r}, expected 0.0.0.0")
        self.config.host = LOOPBACK

    rest_server.RESTServer.__init__ = loopback_init


class _LoopbackAio:
    """grpc.aio as KServe's GRPCServer sees it, with servers whose add_insecure_port binds loopback only."""

    def __getattr__(self, name):
        return getattr(aio, name)

    @staticmethod
    def server(*args, **kwargs):
        server = aio.server(*args, **kwargs)
        add = server.add_insecure_port

        def add_loopback(address: str) -> int:
            host, _, port = address.rpartition(":")
            if host != "[::]":
                raise RuntimeError(f"KServe's gRPC server listens on {address!r}, expected [::]:<port>")
            return add(f"{LOOPBACK}:{port}")

        server.add_insecure_port = add_loopback
        return server


class IrisModel(Model):
    def __init__(self, name: str, model_dir: str):
        super().__init__(name)
        self.model_dir = model_dir
        self.model = None
        self.ready = False

    def load(self) -> bool:
        self.model = joblib.load(os.path.join(self.model_dir, "model.joblib"))
        # ModelServer serves a model once `ready` is set (KServe's readiness check reads it).
        self.ready = True
        return self.ready

    async def predict(self, payload: InferRequest, headers: Dict[str, str] = None) -> InferResponse:
        features = payload.inputs[0].as_numpy()
        return get_predict_response(payload, self.model.predict(features), self.name)


def main():
    # KServe's documented way: its own flags (ports, workers, ...) plus ours.
    parser = argparse.ArgumentParser(parents=[model_server.parser])
    parser.add_argument("--model_dir", required=True)
    args, _ = parser.parse_known_args()
    _rest_on_loopback()
    grpc_server.aio = _LoopbackAio()
    model = IrisModel("iris", args.model_dir)
    model.load()
    ModelServer(http_port=args.http_port, grpc_port=args.grpc_port).start([model])


if __name__ == "__main__":
    main()
