// An independent check of starmark's transparency log: Go's
// golang.org/x/mod/sumdb/note opens the signed checkpoints and
// golang.org/x/mod/sumdb/tlog checks the inclusion and consistency proofs.
// Built offline from Debian's golang-golang-x-mod-dev by tests/go_verifier.rs.
//
//	verify SPEC.json
//
// SPEC: {"vkey", "old", "new" (signed checkpoints), "leaves" (base64 entries
// of the new tree), "inclusion" (per leaf, base64 hashes), "consistency"}.
// Prints "ok ..." and exits 0, or prints the reason and exits 1.
package main

import (
	"encoding/base64"
	"encoding/json"
	"fmt"
	"os"
	"strconv"
	"strings"

	"golang.org/x/mod/sumdb/note"
	"golang.org/x/mod/sumdb/tlog"
)

type spec struct {
	Vkey        string     `json:"vkey"`
	Old         string     `json:"old"`
	New         string     `json:"new"`
	Leaves      []string   `json:"leaves"`
	Inclusion   [][]string `json:"inclusion"`
	Consistency []string   `json:"consistency"`
}

func fail(format string, args ...interface{}) {
	fmt.Printf(format+"\n", args...)
	os.Exit(1)
}

func hashes(list []string) []tlog.Hash {
	out := make([]tlog.Hash, len(list))
	for i, s := range list {
		b, err := base64.StdEncoding.DecodeString(s)
		if err != nil || len(b) != len(tlog.Hash{}) {
			fail("hash %d is not 32 bytes of base64", i)
		}
		copy(out[i][:], b)
	}
	return out
}

func checkpoint(what, msg string, v note.Verifiers) (int64, tlog.Hash) {
	n, err := note.Open([]byte(msg), v)
	if err != nil {
		fail("%s checkpoint: %v", what, err)
	}
	lines := strings.Split(n.Text, "\n")
	if len(lines) < 4 {
		fail("%s checkpoint: fewer than three lines", what)
	}
	size, err := strconv.ParseInt(lines[1], 10, 64)
	if err != nil {
		fail("%s checkpoint: tree size: %v", what, err)
	}
	root := hashes([]string{lines[2]})[0]
	return size, root
}

func main() {
	raw, err := os.ReadFile(os.Args[1])
	if err != nil {
		fail("%v", err)
	}
	var s spec
	if err := json.Unmarshal(raw, &s); err != nil {
		fail("spec: %v", err)
	}
	verifier, err := note.NewVerifier(s.Vkey)
	if err != nil {
		fail("verifier key: %v", err)
	}
	vs := note.VerifierList(verifier)
	oldN, oldH := checkpoint("old", s.Old, vs)
	newN, newH := checkpoint("new", s.New, vs)
	if int64(len(s.Leaves)) != newN || len(s.Inclusion) != len(s.Leaves) {
		fail("the spec has %d leaves and %d proofs for a tree of %d", len(s.Leaves), len(s.Inclusion), newN)
	}
	for i, leaf := range s.Leaves {
		data, err := base64.StdEncoding.DecodeString(leaf)
		if err != nil {
			fail("leaf %d: %v", i, err)
		}
		if err := tlog.CheckRecord(hashes(s.Inclusion[i]), newN, newH, int64(i), tlog.RecordHash(data)); err != nil {
			fail("leaf %d: inclusion: %v", i, err)
		}
	}
	if err := tlog.CheckTree(hashes(s.Consistency), newN, newH, oldN, oldH); err != nil {
		fail("consistency %d -> %d: %v", oldN, newN, err)
	}
	fmt.Printf("ok %d leaves included in tree %d, consistent with tree %d\n", len(s.Leaves), newN, oldN)
}
