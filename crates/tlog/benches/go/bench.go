// The peer of starmark's transparency-log benchmark: Go's
// golang.org/x/mod/sumdb/tlog (the Go checksum database's log) appending N
// records to an in-memory store, then making inclusion and consistency
// proofs at the full size. Same records and indexes as the Rust side.
//
//	bench N ITERATIONS
//
// Prints one JSON object: append_ms, root_us, inclusion_us, consistency_us
// (means per proof), and the root as base64 for the caller to compare.
package main

import (
	"encoding/base64"
	"encoding/binary"
	"encoding/json"
	"fmt"
	"os"
	"strconv"
	"time"

	"golang.org/x/mod/sumdb/tlog"
)

func main() {
	n, _ := strconv.ParseInt(os.Args[1], 10, 64)
	iters, _ := strconv.Atoi(os.Args[2])
	var stored []tlog.Hash
	reader := tlog.HashReaderFunc(func(idx []int64) ([]tlog.Hash, error) {
		out := make([]tlog.Hash, len(idx))
		for i, x := range idx {
			out[i] = stored[x]
		}
		return out, nil
	})
	start := time.Now()
	data := make([]byte, 8)
	for i := int64(0); i < n; i++ {
		binary.BigEndian.PutUint64(data, uint64(i))
		hs, err := tlog.StoredHashes(i, data, reader)
		if err != nil {
			panic(err)
		}
		stored = append(stored, hs...)
	}
	appendMs := float64(time.Since(start).Microseconds()) / 1000
	start = time.Now()
	root, err := tlog.TreeHash(n, reader)
	if err != nil {
		panic(err)
	}
	rootUs := float64(time.Since(start).Nanoseconds()) / 1000
	// The same pseudo-random indexes as the Rust side (an LCG).
	x := uint64(12345)
	next := func() uint64 {
		x = x*6364136223846793005 + 1442695040888963407
		return x >> 11
	}
	start = time.Now()
	for k := 0; k < iters; k++ {
		if _, err := tlog.ProveRecord(n, int64(next()%uint64(n)), reader); err != nil {
			panic(err)
		}
	}
	inclUs := float64(time.Since(start).Nanoseconds()) / 1000 / float64(iters)
	start = time.Now()
	for k := 0; k < iters; k++ {
		if _, err := tlog.ProveTree(n, int64(next()%uint64(n))+1, reader); err != nil {
			panic(err)
		}
	}
	consUs := float64(time.Since(start).Nanoseconds()) / 1000 / float64(iters)
	out, _ := json.Marshal(map[string]interface{}{
		"append_ms": appendMs, "root_us": rootUs, "inclusion_us": inclUs, "consistency_us": consUs,
		"root": base64.StdEncoding.EncodeToString(root[:]),
	})
	fmt.Println(string(out))
}
