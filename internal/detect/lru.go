package detect

// lru is a map with a fixed capacity that evicts the least recently used
// key to make room, so that per-key state (scan sources, hosts,
// exporters) stays bounded whatever the traffic. Slots are reused, so
// once it has reached its capacity it allocates nothing.
type lru[K comparable, V any] struct {
	max        int
	idx        map[K]int32
	nodes      []lruNode[K, V]
	head, tail int32 // most and least recently used; -1 when empty
	evicted    uint64
	// last is the most recently got or added key, at node head: flows
	// come in batches from one exporter, so this skips most hashing.
	last   K
	isLast bool
}

type lruNode[K comparable, V any] struct {
	key        K
	val        V
	prev, next int32
}

func newLRU[K comparable, V any](capacity int) *lru[K, V] {
	return &lru[K, V]{max: capacity, idx: make(map[K]int32), head: -1, tail: -1}
}

// get returns k's value and marks it most recently used, or nil. The
// pointer is valid until the next add.
func (l *lru[K, V]) get(k K) *V {
	if l.isLast && l.last == k {
		return &l.nodes[l.head].val
	}
	i, ok := l.idx[k]
	if !ok {
		return nil
	}
	l.touch(i)
	l.last, l.isLast = k, true
	return &l.nodes[i].val
}

// add inserts k, which must be absent, as most recently used, evicting
// the least recently used key when full. The value it returns may hold
// an evicted key's state: the caller sets every field (and may reuse its
// buffers). The pointer is valid until the next add.
func (l *lru[K, V]) add(k K) *V {
	var i int32
	if len(l.nodes) < l.max {
		l.nodes = append(l.nodes, lruNode[K, V]{})
		i = int32(len(l.nodes) - 1)
	} else {
		i = l.tail
		l.unlink(i)
		delete(l.idx, l.nodes[i].key)
		l.evicted++
	}
	l.nodes[i].key = k
	l.idx[k] = i
	l.pushFront(i)
	l.last, l.isLast = k, true
	return &l.nodes[i].val
}

// len is the number of keys held.
func (l *lru[K, V]) len() int { return len(l.idx) }

// each calls fn for every key, most recently used first.
func (l *lru[K, V]) each(fn func(k K, v *V)) {
	for i := l.head; i >= 0; i = l.nodes[i].next {
		fn(l.nodes[i].key, &l.nodes[i].val)
	}
}

func (l *lru[K, V]) touch(i int32) {
	if l.head == i {
		return
	}
	l.unlink(i)
	l.pushFront(i)
}

func (l *lru[K, V]) unlink(i int32) {
	n := &l.nodes[i]
	if n.prev >= 0 {
		l.nodes[n.prev].next = n.next
	} else {
		l.head = n.next
	}
	if n.next >= 0 {
		l.nodes[n.next].prev = n.prev
	} else {
		l.tail = n.prev
	}
}

func (l *lru[K, V]) pushFront(i int32) {
	n := &l.nodes[i]
	n.prev, n.next = -1, l.head
	if l.head >= 0 {
		l.nodes[l.head].prev = i
	}
	l.head = i
	if l.tail < 0 {
		l.tail = i
	}
}
