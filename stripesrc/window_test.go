package stripesrc

import (
	"math/rand/v2"
	"testing"
)

// TestCarveLeavesNoGapOrOverlap checks, on many random cursors, that what
// carve proposes and what the cursor keeps cover its window exactly, and
// that the cursor keeps the second it is in.
func TestCarveLeavesNoGapOrOverlap(t *testing.T) {
	r := rand.New(rand.NewPCG(1, 2))
	carved := 0
	for range 20000 {
		c := randomCursor(r)
		orig := c.w
		ws := c.carve(1+r.IntN(8), float64(r.IntN(3000)), 1+r.IntN(200), 1+r.IntN(300))
		if len(ws) > 0 {
			carved++
		}
		lo := orig.lo
		for _, w := range ws {
			if w.lo != lo || w.hi <= w.lo {
				t.Fatalf("cursor %+v: windows %v are not contiguous from lo", c, ws)
			}
			lo = w.hi
		}
		kept := window{lo, orig.hi}
		if !kept.contains(c.last) {
			t.Fatalf("cursor %+v keeps %v, which misses its last second", c, kept)
		}
		if len(ws) > 1 && orig.lo != noLo {
			t.Fatalf("bounded cursor %+v proposed %d windows", c, len(ws))
		}
	}
	if carved < 5000 {
		t.Errorf("only %d of 20000 cursors were carved; the check proves little", carved)
	}
}

func randomCursor(r *rand.Rand) cursor {
	top := 1_600_000_000 + r.Int64N(100_000_000)
	last := top - r.Int64N(1_000_000)
	c := cursor{top: top, last: last, n: 1 + r.IntN(500), after: "sub_x"}
	c.w = window{last - r.Int64N(50_000_000), top + 1 + r.Int64N(10)}
	switch r.IntN(4) {
	case 0:
		c.w.lo = noLo
	case 1:
		c.w.hi = noHi
	case 2:
		c.w.lo = last - r.Int64N(3) // little or nothing below the cursor
	}
	return c
}

func TestShapeCutsEqualShares(t *testing.T) {
	// 10,000 subscriptions, ten times as dense in the newest tenth of time.
	p := newPlan(func() int { return 1 }, 100, 200, nil)
	var created []int64
	for i := range 9000 {
		created = append(created, 1_000_000+int64(i)*10) // 90,000 s sparse...
	}
	for i := range 1000 {
		created = append(created, 2_000_000+int64(i)) // ... and 1,000 s dense
	}
	for i := 0; i < len(created); i += 100 {
		p.tops = append(p.tops, pageTop{created[i], 100})
	}
	sh := p.shape()
	if len(sh) != shareCuts-1 {
		t.Fatalf("shape has %d cuts, want %d", len(sh), shareCuts-1)
	}
	ws := sh.windows(5)
	if len(ws) != 5 || ws[0].lo != noLo || ws[4].hi != noHi {
		t.Fatalf("windows %v do not cover the listing in 5 parts", ws)
	}
	for i, w := range ws {
		if i > 0 && w.lo != ws[i-1].hi {
			t.Fatalf("windows %v leave a gap", ws)
		}
		n := 0
		for _, c := range created {
			if w.contains(c) {
				n++
			}
		}
		if n < 1500 || n > 2500 {
			t.Errorf("window %v holds %d of 10000, want about 2000", w, n)
		}
	}
	if got := shape(nil).windows(5); len(got) != 1 || got[0] != everything {
		t.Errorf("no shape gives %v, want the whole listing", got)
	}
}
