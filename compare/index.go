package compare

import (
	"hash/maphash"
	"math/bits"
)

// idIndex maps id strings to int32 values, for the two indexes that grow
// with the input (account ids, and the subscription ids access records
// store). It keeps no strings: from a stored value the caller's key
// function gives the id back. A slot is one uint64 holding a hash tag and
// the value, so the index is a third of the size of a map[string]int32,
// holds nothing the garbage collector must scan, and an insert takes one
// probe instead of a lookup and an assignment.
//
// It uses open addressing with linear probing and stays at most half
// full. Its hash seed is random, but nothing about its layout ever
// reaches a result.
type idIndex struct {
	seed  maphash.Seed
	slots []uint64 // tag<<32 | value+1; 0 is empty
	n     int
	key   func(v int32) string
}

func newIDIndex(n int, key func(int32) string) *idIndex {
	x := &idIndex{seed: maphash.MakeSeed(), key: key}
	x.slots = make([]uint64, slotsFor(n))
	return x
}

// slotsFor is the power of two that holds n ids at most half full.
func slotsFor(n int) int { return 1 << bits.Len(uint(2*n+1)) }

// find returns where id is, or the empty slot where it belongs, with the
// slot's tag.
func (x *idIndex) find(id string) (pos int, tag uint64, found bool) {
	h := maphash.String(x.seed, id)
	tag = h >> 32
	mask := len(x.slots) - 1
	for pos = int(h) & mask; ; pos = (pos + 1) & mask {
		s := x.slots[pos]
		if s == 0 {
			return pos, tag, false
		}
		if s>>32 == tag && x.key(value(s)) == id {
			return pos, tag, true
		}
	}
}

func value(slot uint64) int32 { return int32(uint32(slot)) - 1 }

// get returns the value stored for id.
func (x *idIndex) get(id string) (int32, bool) {
	pos, _, ok := x.find(id)
	return value(x.slots[pos]), ok
}

// put stores v for id unless id is there already. It returns the value
// stored for id, and whether it was there before.
func (x *idIndex) put(id string, v int32) (int32, bool) {
	pos, tag, ok := x.find(id)
	if ok {
		return value(x.slots[pos]), true
	}
	if 2*(x.n+1) >= len(x.slots) {
		x.grow()
		pos, tag, _ = x.find(id)
	}
	x.slots[pos] = tag<<32 | uint64(uint32(v+1))
	x.n++
	return v, false
}

// grow doubles the index, placing every value again.
func (x *idIndex) grow() {
	old := x.slots
	x.slots = make([]uint64, 2*len(old))
	for _, s := range old {
		if s != 0 {
			pos, _, _ := x.find(x.key(value(s)))
			x.slots[pos] = s
		}
	}
}
