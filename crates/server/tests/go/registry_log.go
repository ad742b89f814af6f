// An independent check of a running starmark registry's transparency log,
// over HTTP, with Go's golang.org/x/mod/sumdb/note and sumdb/tlog (the
// formats' origin), built offline from Debian's golang-golang-x-mod-dev by
// tests/go_log.rs.
//
//	registry_log BASE_URL VERIFIER_KEY OLD_SIZE
//
// It opens /log/checkpoint and /.well-known/starmark-log-keys with the
// key; reads the tree through the C2SP tlog-tiles paths with
// tlog.TileHashReader (which checks every tile against the signed root);
// hashes every entry of the entry bundles; proves each entry's inclusion
// from the tiles and checks the registry's own proof from its API; and
// checks the API's consistency proof from OLD_SIZE. Prints "ok ..." and
// exits 0, or prints the reason and exits 1.
package main

import (
	"encoding/base64"
	"encoding/binary"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"os"
	"strconv"
	"strings"

	"golang.org/x/mod/sumdb/note"
	"golang.org/x/mod/sumdb/tlog"
)

var base string

func fail(format string, args ...interface{}) {
	fmt.Printf(format+"\n", args...)
	os.Exit(1)
}

func get(path string) []byte {
	r, err := http.Get(base + path)
	if err != nil {
		fail("GET %s: %v", path, err)
	}
	defer r.Body.Close()
	b, err := io.ReadAll(r.Body)
	if err != nil || r.StatusCode != 200 {
		fail("GET %s: %d %v %s", path, r.StatusCode, err, b)
	}
	return b
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

// tiles reads C2SP tlog-tiles paths: Go's "tile/8/L/N" without the
// height, and data tiles at "tile/entries/N".
type tiles struct{}

func (tiles) Height() int { return 8 }

func (tiles) ReadTiles(ts []tlog.Tile) ([][]byte, error) {
	out := make([][]byte, len(ts))
	for i, t := range ts {
		p := strings.TrimPrefix(t.Path(), "tile/8/")
		out[i] = get("/log/tile/" + p)
	}
	return out, nil
}

func (tiles) SaveTiles([]tlog.Tile, [][]byte) {}

// entries reads the entry bundles: each entry behind its big-endian
// 16-bit length.
func entries(n int64) [][]byte {
	var out [][]byte
	for start := int64(0); start < n; start += 256 {
		w := n - start
		path := fmt.Sprintf("/log/tile/entries/%s", strings.TrimPrefix(tlog.Tile{H: 8, L: 0, N: start / 256, W: 256}.Path(), "tile/8/0/"))
		if w < 256 {
			path = fmt.Sprintf("/log/tile/entries/%s", strings.TrimPrefix(tlog.Tile{H: 8, L: 0, N: start / 256, W: int(w)}.Path(), "tile/8/0/"))
		}
		b := get(path)
		for len(b) > 0 {
			if len(b) < 2 {
				fail("%s: a truncated length", path)
			}
			l := int(binary.BigEndian.Uint16(b))
			if len(b) < 2+l {
				fail("%s: a truncated entry", path)
			}
			out = append(out, b[2:2+l])
			b = b[2+l:]
		}
	}
	if int64(len(out)) != n {
		fail("the entry bundles hold %d entries, the checkpoint %d", len(out), n)
	}
	return out
}

func main() {
	if len(os.Args) != 4 {
		fail("usage: registry_log BASE_URL VERIFIER_KEY OLD_SIZE")
	}
	base = os.Args[1]
	v, err := note.NewVerifier(os.Args[2])
	if err != nil {
		fail("verifier key: %v", err)
	}
	verifiers := note.VerifierList(v)
	old, _ := strconv.ParseInt(os.Args[3], 10, 64)

	n, err := note.Open(get("/log/checkpoint"), verifiers)
	if err != nil {
		fail("checkpoint: %v", err)
	}
	lines := strings.Split(n.Text, "\n")
	if len(lines) < 4 || lines[0] != v.Name() {
		fail("checkpoint: origin %q, want %q", lines[0], v.Name())
	}
	size, err := strconv.ParseInt(lines[1], 10, 64)
	if err != nil {
		fail("checkpoint size: %v", err)
	}
	root, err := tlog.ParseHash(lines[2])
	if err != nil {
		fail("checkpoint root: %v", err)
	}
	tree := tlog.Tree{N: size, Hash: root}
	if _, err := note.Open(get("/.well-known/starmark-log-keys"), verifiers); err != nil {
		fail("key history: %v", err)
	}

	reader := tlog.TileHashReader(tree, tiles{})
	if h, err := tlog.TreeHash(size, reader); err != nil || h != root {
		fail("the tiles do not hash to the checkpoint's root: %v", err)
	}
	for i, e := range entries(size) {
		leaf := tlog.RecordHash(e)
		proof, err := tlog.ProveRecord(size, int64(i), reader)
		if err != nil {
			fail("proof of %d from the tiles: %v", i, err)
		}
		if err := tlog.CheckRecord(proof, size, root, int64(i), leaf); err != nil {
			fail("entry %d from the entry bundle is not in the tree: %v", i, err)
		}
		var api struct {
			Index  int64    `json:"index"`
			Size   int64    `json:"size"`
			Hashes []string `json:"hashes"`
		}
		if err := json.Unmarshal(get(fmt.Sprintf("/api/v1/log/proof/inclusion?index=%d&size=%d", i, size)), &api); err != nil {
			fail("inclusion proof %d: %v", i, err)
		}
		if err := tlog.CheckRecord(hashes(api.Hashes), size, root, int64(i), leaf); err != nil {
			fail("the registry's inclusion proof of %d: %v", i, err)
		}
		var entry struct {
			Leaf string `json:"leaf"`
		}
		if err := json.Unmarshal(get(fmt.Sprintf("/api/v1/log/entries/%d", i)), &entry); err != nil || entry.Leaf != string(e) {
			fail("entry %d differs between the API and the entry bundle", i)
		}
	}
	var c struct {
		Hashes []string `json:"hashes"`
	}
	if err := json.Unmarshal(get(fmt.Sprintf("/api/v1/log/proof/consistency?old=%d&new=%d", old, size)), &c); err != nil {
		fail("consistency proof: %v", err)
	}
	oldRoot, err := tlog.TreeHash(old, reader)
	if err != nil {
		fail("old root from the tiles: %v", err)
	}
	if err := tlog.CheckTree(hashes(c.Hashes), size, root, old, oldRoot); err != nil {
		fail("consistency %d -> %d: %v", old, size, err)
	}
	fmt.Printf("ok %d entries, %d inclusion proofs, consistency from %d\n", size, size, old)
}
