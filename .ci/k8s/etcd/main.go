// etcd for the tests' Kubernetes API server: the etcd server from the Go module proxy, nothing added.
package main

import (
	"os"

	"go.etcd.io/etcd/server/v3/etcdmain"
)

func main() { etcdmain.Main(os.Args) }
