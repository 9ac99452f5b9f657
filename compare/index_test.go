package compare

import (
	"strconv"
	"testing"
)

func TestIDIndex(t *testing.T) {
	var ids []string
	x := newIDIndex(0, func(v int32) string { return ids[v] })
	for i := range 5000 {
		id := "id_" + strconv.Itoa(i*7919%5003)
		v, had := x.put(id, int32(len(ids)))
		if had {
			t.Fatalf("put %q: reported present before it was added", id)
		}
		if v != int32(len(ids)) {
			t.Fatalf("put %q: got value %d, want %d", id, v, len(ids))
		}
		ids = append(ids, id)
	}
	if 2*x.n >= len(x.slots) {
		t.Errorf("%d ids in %d slots: more than half full", x.n, len(x.slots))
	}
	for want, id := range ids {
		if v, had := x.put(id, -7); !had || v != int32(want) {
			t.Errorf("put again %q: got %d, %v; want %d, true", id, v, had, want)
		}
		if v, ok := x.get(id); !ok || v != int32(want) {
			t.Errorf("get %q: got %d, %v; want %d", id, v, ok, want)
		}
	}
	for _, id := range []string{"", "id_", "id_5003", "nothing"} {
		if _, ok := x.get(id); ok {
			t.Errorf("get %q: found an id never put", id)
		}
	}
}
