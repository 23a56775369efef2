package eve

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"os"
	"strings"
	"sync"
	"sync/atomic"
)

// MaxConns bounds the connections a listener serves at once; more wait in the kernel's backlog.
const MaxConns = 256

// Listener accepts stream connections (TCP, or a Unix socket) whose every line is an EVE record.
type Listener struct {
	ln   net.Listener
	sink Sink
	log  *slog.Logger
	sem  chan struct{}
	wg   sync.WaitGroup

	mu    sync.Mutex
	conns map[net.Conn]struct{}

	closeOnce           sync.Once
	lines, long, opened atomic.Uint64
}

// Listen listens on addr: "unix:/path/to/socket" for a Unix stream socket (Suricata's unix_stream eve-log),
// otherwise a TCP host:port.
func Listen(addr string, sink Sink, log *slog.Logger) (*Listener, error) {
	network, address := "tcp", addr
	if p, ok := strings.CutPrefix(addr, "unix:"); ok {
		network, address = "unix", p
		if err := os.Remove(p); err != nil && !errors.Is(err, os.ErrNotExist) {
			return nil, fmt.Errorf("eve: listen %s: %w", addr, err)
		}
	}
	ln, err := net.Listen(network, address)
	if err != nil {
		return nil, fmt.Errorf("eve: listen %s: %w", addr, err)
	}
	if network == "unix" {
		_ = os.Chmod(address, 0o660)
	}
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	l := &Listener{ln: ln, sink: sink, log: log, sem: make(chan struct{}, MaxConns), conns: map[net.Conn]struct{}{}}
	l.wg.Add(1)
	go l.accept()
	return l, nil
}

// Addr returns the address the listener is on.
func (l *Listener) Addr() net.Addr { return l.ln.Addr() }

// Stats reports the lines received, those skipped for being longer than MaxLine, and the connections served.
func (l *Listener) Stats() (lines, long, conns uint64) {
	return l.lines.Load(), l.long.Load(), l.opened.Load()
}

func (l *Listener) accept() {
	defer l.wg.Done()
	for {
		l.sem <- struct{}{}
		c, err := l.ln.Accept()
		if err != nil {
			<-l.sem
			if !errors.Is(err, net.ErrClosed) {
				l.log.Error("eve: accept", "err", err)
			}
			return
		}
		l.mu.Lock()
		l.conns[c] = struct{}{}
		l.mu.Unlock()
		l.opened.Add(1)
		l.wg.Add(1)
		go l.serve(c)
	}
}

// serve reads one connection's lines until it closes.
func (l *Listener) serve(c net.Conn) {
	defer func() {
		c.Close()
		l.mu.Lock()
		delete(l.conns, c)
		l.mu.Unlock()
		<-l.sem
		l.wg.Done()
	}()
	lr := newLineReader(c)
	for {
		line, err := lr.next()
		switch {
		case err == nil:
			l.lines.Add(1)
			if len(line) > 0 {
				l.sink(line)
			}
		case errors.Is(err, errLong):
			l.long.Add(1)
		default:
			if !errors.Is(err, io.EOF) && !errors.Is(err, net.ErrClosed) {
				l.log.Warn("eve: connection", "remote", c.RemoteAddr().String(), "err", err)
			}
			return
		}
	}
}

// Close stops accepting, closes the connections and waits for their lines to be handed over.
func (l *Listener) Close(context.Context) error {
	var err error
	l.closeOnce.Do(func() {
		err = l.ln.Close()
		l.mu.Lock()
		for c := range l.conns {
			c.Close()
		}
		l.mu.Unlock()
		l.wg.Wait()
	})
	return err
}
