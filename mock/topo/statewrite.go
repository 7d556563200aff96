package topo

import (
	"io"
	"sync"
)

// chunkWriter writes a state's text a chunk at a time on a goroutine of its own, so that the
// next chunk is made while the kernel copies the last into the file: of a stop that saved a
// million sets with a module each, 59% of the samples were that copy and about a quarter the
// making of the text, one after the other (perf record -p over the stop). Saves of that store
// took 1.31-2.01 s (median 1.85) against 3.07-3.98 s (3.30) when written as they were made (five
// of each build in turns, AGAINST=b26d451 MODULES=1 bench/state.sh, 2026-12-07). Chunks are
// handed over, not copied; at most chunkBuffers of them are held, whatever the store's size.
type chunkWriter struct {
	w    io.Writer
	full chan []byte // chunks to write, in order
	free chan []byte // chunks written, to be filled again
	done chan struct{}

	mu  sync.Mutex
	err error // the first write's error; every chunk after it is dropped
}

const (
	chunkSize    = 1 << 20 // a chunk is handed over once it holds this much
	chunkBuffers = 3       // the chunk being made, one being written, one waiting
)

// newChunkWriter starts writing to w; the caller fills the chunk it returns.
func newChunkWriter(w io.Writer) (*chunkWriter, []byte) {
	// free holds every chunk, so that the writer never waits to give one back: at the end the
	// caller takes none.
	cw := &chunkWriter{w: w, full: make(chan []byte, chunkBuffers-1), free: make(chan []byte, chunkBuffers), done: make(chan struct{})}
	for range chunkBuffers {
		cw.free <- make([]byte, 0, chunkSize+chunkSize/4)
	}
	go func() {
		defer close(cw.done)
		for b := range cw.full {
			if cw.failed() == nil {
				if _, err := cw.w.Write(b); err != nil {
					cw.mu.Lock()
					cw.err = err
					cw.mu.Unlock()
				}
			}
			cw.free <- b[:0]
		}
	}()
	return cw, <-cw.free
}

func (cw *chunkWriter) failed() error {
	cw.mu.Lock()
	defer cw.mu.Unlock()
	return cw.err
}

// next hands b over once it holds a chunk and returns the chunk to fill from there on (b itself
// until then), with the error of any write before.
func (cw *chunkWriter) next(b []byte) ([]byte, error) {
	if len(b) < chunkSize {
		return b, nil
	}
	if err := cw.failed(); err != nil {
		return b[:0], err
	}
	cw.full <- b
	return <-cw.free, nil
}

// close hands the last chunk over, waits for every chunk to be written and reports the first
// write's error.
func (cw *chunkWriter) close(b []byte) error {
	if len(b) > 0 {
		cw.full <- b
	}
	close(cw.full)
	<-cw.done
	return cw.failed()
}
