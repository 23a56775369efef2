package eve

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"os"
	"sync"
	"sync/atomic"
	"syscall"
	"time"

	"github.com/seclake/seclake/internal/background"
	"github.com/seclake/seclake/internal/clock"
	"github.com/seclake/seclake/internal/meta"
)

// tableOffsets holds where each tailed file was read to, once what was read is safe:
// <node>\x00<path> → position.
const tableOffsets = "eve.offsets"

// pollInterval is how often a tailed file is checked for new lines and rotation.
const pollInterval = 250 * time.Millisecond

// position is a place in a file: the file's inode and the offset of the end of a line.
type position struct {
	Inode  uint64
	Offset int64
}

// mark is the position reached at a time.
type mark struct {
	at  time.Time
	pos position
}

// Tail follows a file Suricata appends EVE lines to (eve.json), from where it was last safely read — or, the
// first time, from its end, as tail -F does — across rotation (a new file at the path: the old one is read to
// its end first) and truncation (read again from the start).
type Tail struct {
	path, key string
	sink      Sink
	store     meta.Store
	clk       clock.Clock
	log       *slog.Logger
	run       background.Runner

	mu    sync.Mutex
	marks []mark

	lines, long atomic.Uint64
}

// TailFile starts following path. node names this node in the offsets it keeps in store; clk gives the times
// Checkpoint compares.
func TailFile(path, node string, sink Sink, store meta.Store, clk clock.Clock, log *slog.Logger) (*Tail, error) {
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	t := &Tail{path: path, key: node + "\x00" + path, sink: sink, store: store, clk: clk, log: log}
	start, err := t.start(context.Background())
	if err != nil {
		return nil, err
	}
	t.run.Start(func(ctx context.Context) { t.follow(ctx, start) })
	return t, nil
}

// Stats reports the lines read and those skipped for being longer than MaxLine.
func (t *Tail) Stats() (lines, long uint64) { return t.lines.Load(), t.long.Load() }

// Close stops following the file.
func (t *Tail) Close(context.Context) error {
	t.run.Stop()
	return nil
}

// Checkpoint records, as the place to resume from, the position reached before time before: the lines read
// before it have been made safe by their consumer (held for delivery).
func (t *Tail) Checkpoint(ctx context.Context, before time.Time) error {
	t.mu.Lock()
	var best *position
	n := 0
	for i := range t.marks {
		if !t.marks[i].at.Before(before) {
			break
		}
		best, n = &t.marks[i].pos, i+1
	}
	var p position
	if best != nil {
		p = *best
	}
	t.marks = t.marks[n:]
	t.mu.Unlock()
	if best == nil {
		return nil
	}
	return t.store.Update(ctx, func(tx meta.Tx) error {
		b, err := json.Marshal(p)
		if err != nil {
			return err
		}
		return tx.Put(tableOffsets, t.key, b)
	})
}

// start returns where to begin: the saved position when it is in the file at the path, else its start (a
// file rotated while seclake was down), or, the first time, its end.
func (t *Tail) start(ctx context.Context) (position, error) {
	var saved *position
	err := t.store.View(ctx, func(tx meta.Tx) error {
		b, err := tx.Get(tableOffsets, t.key)
		if errors.Is(err, meta.ErrNotFound) {
			return nil
		}
		if err != nil {
			return err
		}
		saved = &position{}
		return json.Unmarshal(b, saved)
	})
	if err != nil {
		return position{}, fmt.Errorf("eve: tail %s: %w", t.path, err)
	}
	fi, err := os.Stat(t.path)
	if errors.Is(err, os.ErrNotExist) {
		return position{}, nil // read from the start once it appears
	}
	if err != nil {
		return position{}, fmt.Errorf("eve: tail %s: %w", t.path, err)
	}
	ino := inode(fi)
	switch {
	case saved == nil:
		return position{Inode: ino, Offset: fi.Size()}, nil
	case saved.Inode == ino && saved.Offset <= fi.Size():
		return *saved, nil
	default:
		return position{Inode: ino}, nil
	}
}

// follow reads the file from pos, polling for more, until ctx ends.
func (t *Tail) follow(ctx context.Context, pos position) {
	tick := time.NewTicker(pollInterval)
	defer tick.Stop()
	var f *os.File
	var lr *lineReader
	var base int64
	defer func() {
		if f != nil {
			f.Close()
		}
	}()
	for {
		if f == nil {
			if nf, err := os.Open(t.path); err == nil {
				fi, serr := nf.Stat()
				if serr != nil || inode(fi) != pos.Inode || fi.Size() < pos.Offset {
					pos = position{Inode: inode(fi)}
				}
				if _, err := nf.Seek(pos.Offset, io.SeekStart); err != nil {
					nf.Close()
				} else {
					f, lr, base = nf, newLineReader(nf), pos.Offset
				}
			}
		}
		if f != nil {
			t.drain(lr)
			pos.Offset = base + lr.completed()
			t.mark(pos)
			if next := t.rotated(f, pos.Offset); next {
				t.drain(lr) // what the old file got before it was replaced
				f.Close()
				f, lr, pos = nil, nil, position{}
				continue
			}
		}
		select {
		case <-ctx.Done():
			return
		case <-tick.C:
		}
	}
}

// drain hands over every complete line the reader has.
func (t *Tail) drain(lr *lineReader) {
	for {
		line, err := lr.next()
		switch {
		case err == nil:
			t.lines.Add(1)
			if len(line) > 0 {
				t.sink(line)
			}
		case errors.Is(err, errLong):
			t.long.Add(1)
		default:
			if !errors.Is(err, io.EOF) {
				t.log.Warn("eve: tail", "path", t.path, "err", err)
			}
			return
		}
	}
}

// rotated reports whether the path now names another file, or the file was truncated below offset.
func (t *Tail) rotated(f *os.File, offset int64) bool {
	cur, err := f.Stat()
	if err != nil {
		return true
	}
	if cur.Size() < offset {
		return true
	}
	at, err := os.Stat(t.path)
	if err != nil {
		return false // moved away and not yet replaced: keep reading the old one
	}
	return !os.SameFile(cur, at)
}

func (t *Tail) mark(p position) {
	t.mu.Lock()
	defer t.mu.Unlock()
	if n := len(t.marks); n > 0 && t.marks[n-1].pos == p {
		return
	}
	if len(t.marks) >= 4096 { // a consumer that never checkpoints: keep the newest
		t.marks = t.marks[1:]
	}
	t.marks = append(t.marks, mark{at: t.clk.Now(), pos: p})
}

func inode(fi os.FileInfo) uint64 {
	if st, ok := fi.Sys().(*syscall.Stat_t); ok {
		return st.Ino
	}
	return 0
}
