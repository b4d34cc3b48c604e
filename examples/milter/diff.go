package milter

import "bytes"

// editKind is one step of an edit script from one field list to another.
type editKind uint8

const (
	editKeep editKind = iota // a[x] stays, equal to b[y]
	editDel                  // a[x] goes
	editIns                  // b[y] comes
)

type edit struct {
	kind editKind
	a, b int // index in a (keep, del) and in b (keep, ins)
}

// maxEditDistance bounds the work of diff: msakit changes a handful of
// fields per message (Date, Message-ID, Sender, Bcc, the rewritten From),
// so more than this many deletions and insertions means the lists have
// little in common, and the whole differing middle is replaced instead.
const maxEditDistance = 64

// diff returns a shortest edit script from a to b, comparing fields by
// their bytes: the common prefix and suffix are kept, and the middle is
// diffed with Myers' O(ND) algorithm ("An O(ND) Difference Algorithm and
// Its Variations", 1986), D bounded by maxEditDistance. The script lists
// every index of a and of b once, in order.
func diff(a, b [][]byte) []edit {
	pre := 0
	for pre < len(a) && pre < len(b) && bytes.Equal(a[pre], b[pre]) {
		pre++
	}
	suf := 0
	for suf < len(a)-pre && suf < len(b)-pre && bytes.Equal(a[len(a)-1-suf], b[len(b)-1-suf]) {
		suf++
	}
	es := make([]edit, 0, max(len(a), len(b))+4)
	for i := range pre {
		es = append(es, edit{editKeep, i, i})
	}
	es = append(es, middle(a[pre:len(a)-suf], b[pre:len(b)-suf], pre, pre)...)
	for i := range suf {
		es = append(es, edit{editKeep, len(a) - suf + i, len(b) - suf + i})
	}
	return es
}

// middle diffs a and b, whose indexes start at offA and offB.
func middle(a, b [][]byte, offA, offB int) []edit {
	n, m := len(a), len(b)
	limit := min(n+m, maxEditDistance)
	off := limit + 1
	v := make([]int, 2*limit+3) // v[off+k]: furthest x on diagonal k
	trace := make([][]int, 0, 8)
	for d := 0; d <= limit; d++ {
		trace = append(trace, append([]int(nil), v...))
		for k := -d; k <= d; k += 2 {
			var x int
			if k == -d || (k != d && v[off+k-1] < v[off+k+1]) {
				x = v[off+k+1] // down: b[y] inserted
			} else {
				x = v[off+k-1] + 1 // right: a[x] deleted
			}
			y := x - k
			for x < n && y < m && bytes.Equal(a[x], b[y]) {
				x++
				y++
			}
			v[off+k] = x
			if x >= n && y >= m {
				return backtrack(trace, off, n, m, offA, offB)
			}
		}
	}
	// Too different: delete all of a, insert all of b.
	es := make([]edit, 0, n+m)
	for i := range n {
		es = append(es, edit{kind: editDel, a: offA + i})
	}
	for j := range m {
		es = append(es, edit{kind: editIns, b: offB + j})
	}
	return es
}

// backtrack walks the saved frontiers back from (n, m) to (0, 0).
func backtrack(trace [][]int, off, n, m, offA, offB int) []edit {
	var rev []edit
	x, y := n, m
	for d := len(trace) - 1; d >= 0; d-- {
		v := trace[d]
		k := x - y
		var pk int
		if k == -d || (k != d && v[off+k-1] < v[off+k+1]) {
			pk = k + 1
		} else {
			pk = k - 1
		}
		px := v[off+pk]
		py := px - pk
		for x > px && y > py && x > 0 && y > 0 {
			rev = append(rev, edit{editKeep, offA + x - 1, offB + y - 1})
			x--
			y--
		}
		if d > 0 {
			if x == px {
				rev = append(rev, edit{kind: editIns, b: offB + y - 1})
			} else {
				rev = append(rev, edit{kind: editDel, a: offA + x - 1})
			}
		}
		x, y = px, py
	}
	for i, j := 0, len(rev)-1; i < j; i, j = i+1, j-1 {
		rev[i], rev[j] = rev[j], rev[i]
	}
	return rev
}
