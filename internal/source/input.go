package source

import (
	"bufio"
	"bytes"
	"compress/gzip"
	"errors"
	"fmt"
	"io"
)

// MaxRecord is the most of one record that a source keeps: a longer record is set aside with its first
// MaxRecord bytes, so memory stays bounded whatever the input.
const MaxRecord = 1 << 20

// Open returns a reader of an object's content: decompressed when the body is gzip (told by its magic bytes;
// concatenated gzip members are read one after the other), the body itself otherwise.
func Open(body io.Reader) (io.Reader, error) {
	br := bufio.NewReaderSize(body, 64<<10)
	magic, err := br.Peek(2)
	if err != nil && !errors.Is(err, io.EOF) {
		return nil, fmt.Errorf("read: %w", err)
	}
	if !bytes.Equal(magic, []byte{0x1f, 0x8b}) {
		return br, nil
	}
	zr, err := gzip.NewReader(br)
	if err != nil {
		return nil, fmt.Errorf("gzip: %w", err)
	}
	return zr, nil
}

// Lines reads a text object line by line in bounded memory: a line longer than MaxRecord is returned cut to
// its first MaxRecord bytes with Truncated set, and the rest of it is skipped.
type Lines struct {
	r         *bufio.Reader
	line      []byte
	long      []byte
	n         int64
	bytes     int64
	truncated bool
	err       error
}

// NewLines returns a line reader of r.
func NewLines(r io.Reader) *Lines {
	return &Lines{r: bufio.NewReaderSize(r, 64<<10)}
}

// Next advances to the next line and reports whether there is one. At the end, Err says whether reading
// failed.
func (l *Lines) Next() bool {
	if l.err != nil {
		return false
	}
	l.truncated = false
	l.long = l.long[:0]
	for {
		chunk, err := l.r.ReadSlice('\n')
		l.bytes += int64(len(chunk))
		switch {
		case err == nil:
			l.finish(chunk)
			return true
		case errors.Is(err, bufio.ErrBufferFull):
			l.keep(chunk)
			continue
		case errors.Is(err, io.EOF):
			l.err = io.EOF
			if len(chunk) == 0 && len(l.long) == 0 && !l.truncated {
				return false
			}
			l.finish(chunk)
			return true
		default:
			l.err = err
			return false
		}
	}
}

// keep adds a piece of a long line, up to MaxRecord bytes.
func (l *Lines) keep(chunk []byte) {
	room := MaxRecord - len(l.long)
	if len(chunk) > room {
		chunk, l.truncated = chunk[:room], true
	}
	l.long = append(l.long, chunk...)
}

func (l *Lines) finish(chunk []byte) {
	l.n++
	line := chunk
	if len(l.long) > 0 || l.truncated {
		l.keep(chunk)
		line = l.long
	}
	line = bytes.TrimSuffix(line, []byte{'\n'})
	l.line = bytes.TrimSuffix(line, []byte{'\r'})
}

// Line returns the current line without its line ending. It is valid until the next call of Next.
func (l *Lines) Line() []byte { return l.line }

// Number returns the current line's number, from 1.
func (l *Lines) Number() int64 { return l.n }

// Truncated reports whether the current line was longer than MaxRecord and cut.
func (l *Lines) Truncated() bool { return l.truncated }

// Bytes returns the number of bytes read so far.
func (l *Lines) Bytes() int64 { return l.bytes }

// Err returns the error that ended reading, nil at the end of the input.
func (l *Lines) Err() error {
	if errors.Is(l.err, io.EOF) {
		return nil
	}
	return l.err
}
