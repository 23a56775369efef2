// Package eve reads Suricata's EVE JSON lines where a Suricata writes them: a stream socket it connects to
// (Suricata's eve-log filetype unix_stream, or a shipper's TCP output — Vector, Fluent Bit, Filebeat) and the
// eve.json file it appends to, followed across rotation. It hands each line to a sink without interpreting it;
// package firewall does that.
package eve

import (
	"bufio"
	"bytes"
	"errors"
	"io"
)

// MaxLine bounds an EVE line; a longer one is discarded and counted.
const MaxLine = 1 << 20

// Sink receives one line (without its newline). It must not keep the slice after it returns.
type Sink func(line []byte)

// errLong reports a line longer than MaxLine.
var errLong = errors.New("eve: line longer than MaxLine")

// lineReader reads newline-terminated lines of at most MaxLine bytes, skipping longer ones whole.
type lineReader struct {
	r    *bufio.Reader
	long bool // inside a line that is too long
	buf  []byte
	// read counts the bytes read; done those of the lines returned or skipped whole.
	read, done int64
}

func newLineReader(r io.Reader) *lineReader { return &lineReader{r: bufio.NewReaderSize(r, 64<<10)} }

// next returns the next complete line. At the end of the input it returns io.EOF with the bytes of an
// unfinished last line kept for the next call (a file that is still being written); errLong reports a line
// that was skipped.
func (l *lineReader) next() ([]byte, error) {
	for {
		frag, err := l.r.ReadSlice('\n')
		l.read += int64(len(frag))
		switch {
		case err == nil:
			l.done = l.read
			if l.long {
				l.long, l.buf = false, l.buf[:0]
				return nil, errLong
			}
			var line []byte
			if len(l.buf) > 0 {
				l.buf = append(l.buf, frag...)
				line, l.buf = l.buf, l.buf[:0]
			} else {
				line = frag
			}
			if line = bytes.TrimRight(line, "\r\n"); len(line) > MaxLine {
				return nil, errLong
			}
			return line, nil
		case errors.Is(err, bufio.ErrBufferFull):
			if !l.long && len(l.buf)+len(frag) <= MaxLine {
				l.buf = append(l.buf, frag...)
			} else {
				l.long, l.buf = true, l.buf[:0]
			}
		default:
			if !l.long && len(frag) > 0 {
				if len(l.buf)+len(frag) > MaxLine {
					l.long, l.buf = true, l.buf[:0]
				} else {
					l.buf = append(l.buf, frag...)
				}
			}
			return nil, err
		}
	}
}

// completed returns the bytes of the input up to the end of the last line returned or skipped.
func (l *lineReader) completed() int64 { return l.done }
