package topo

import "iter"

// chunks is a sequence held in chunks of chunkLen elements. It grows without moving what it
// holds: a business's set ids were one slice, and each time append grew it under the store's lock
// every call waited while millions of ids were copied (`GOGC=off go test ./mock/topo -bench
// 'BenchmarkCreate$' -benchtime 3000000x`: the slowest of 3 million creates took 10.2-10.9 ms, the
// 2,581,505th in each of three runs, where the slice grew; 1.7-2.9 ms in chunks, at no fixed
// point). Its first chunk grows as a slice does, so that a short sequence stays small: an element
// stays where it is once its chunk is whole, and a pointer to one in the first chunk holds until
// the next push.
type chunks[T any] struct {
	c [][]T
	n int
}

const chunkLen = 4096

func (s *chunks[T]) len() int { return s.n }

func (s *chunks[T]) at(i int) *T { return &s.c[i/chunkLen][i%chunkLen] }

// push adds v at the end.
func (s *chunks[T]) push(v T) {
	switch k := len(s.c); {
	case k == 0:
		s.c = append(s.c, nil)
	case len(s.c[k-1]) == chunkLen:
		s.c = append(s.c, make([]T, 0, chunkLen))
	}
	last := &s.c[len(s.c)-1]
	*last = append(*last, v)
	s.n++
}

// insert puts v at i, moving the elements from i on one place up.
func (s *chunks[T]) insert(i int, v T) {
	s.push(v)
	for j := s.n - 1; j > i; j-- {
		*s.at(j) = *s.at(j - 1)
	}
	*s.at(i) = v
}

// truncate keeps the first n elements, and lets go of the rest.
func (s *chunks[T]) truncate(n int) {
	k := (n + chunkLen - 1) / chunkLen
	if k > 0 {
		last := s.c[k-1]
		clear(last[n-(k-1)*chunkLen:])
		s.c[k-1] = last[:n-(k-1)*chunkLen]
	}
	clear(s.c[k:])
	s.c, s.n = s.c[:k], n
}

// all yields each element in order.
func (s *chunks[T]) all() iter.Seq[*T] {
	return func(yield func(*T) bool) {
		for _, c := range s.c {
			for i := range c {
				if !yield(&c[i]) {
					return
				}
			}
		}
	}
}
