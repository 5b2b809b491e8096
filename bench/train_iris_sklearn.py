"""The bench's Python peer model: scikit-learn LogisticRegression trained on examples/iris/iris.csv.

  python train_iris_sklearn.py --csv iris.csv --mlflow-out DIR     # an MLflow model (needs mlflow)
  python train_iris_sklearn.py --csv iris.csv --mlserver-out DIR   # model.joblib + model-settings.json
  python train_iris_sklearn.py --csv iris.csv --joblib-out DIR     # model.joblib alone (the KServe peer)

Same data, same estimator and solver for all, so the servers differ only in how they serve it. The MLflow
model is fitted on a DataFrame (its signature names the columns, as `dataframe_split` requests do); the
MLServer and KServe ones on a plain array, because both hand the v2 tensor to predict() as an array. Each is
trained with the python of the environment that serves it: a joblib pickle is only safe to load with the
scikit-learn version that wrote it.
"""

import argparse
import csv
import json
import os

from sklearn.linear_model import LogisticRegression

FEATURES = ["sepal_length", "sepal_width", "petal_length", "petal_width"]


def load(path):
    with open(path, newline="") as f:
        rows = list(csv.DictReader(f))
    x = [[float(r[c]) for c in FEATURES] for r in rows]
    y = [int(r["species"]) for r in rows]
    return x, y


def save_joblib(x, y, out):
    import joblib

    model = LogisticRegression(max_iter=1000).fit(x, y)
    os.makedirs(out, exist_ok=True)
    joblib.dump(model, os.path.join(out, "model.joblib"))


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--csv", required=True)
    parser.add_argument("--mlflow-out")
    parser.add_argument("--mlserver-out")
    parser.add_argument("--joblib-out")
    parser.add_argument("--model-name", default="iris")
    args = parser.parse_args()
    x, y = load(args.csv)

    if args.mlflow_out:
        import mlflow.sklearn
        import pandas as pd
        from mlflow.models import infer_signature

        frame = pd.DataFrame(x, columns=FEATURES)
        model = LogisticRegression(max_iter=1000).fit(frame, y)
        signature = infer_signature(frame, model.predict(frame))
        mlflow.sklearn.save_model(model, args.mlflow_out, signature=signature)

    if args.joblib_out:
        save_joblib(x, y, args.joblib_out)

    if args.mlserver_out:
        save_joblib(x, y, args.mlserver_out)
        settings = {
            "name": args.model_name,
            "implementation": "mlserver_sklearn.SKLearnModel",
            "parameters": {"uri": "./model.joblib", "version": "1"},
        }
        with open(os.path.join(args.mlserver_out, "model-settings.json"), "w") as f:
            json.dump(settings, f, indent=2)


if __name__ == "__main__":
    main()
