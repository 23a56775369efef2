package netflow

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/netip"
	"sync"
	"sync/atomic"
	"time"
)

// Sink receives the flows of each packet. It must not keep flows after it returns.
type Sink func(flows []Flow)

// Collector receives NetFlow/IPFIX datagrams on a UDP address and gives their flows to a sink.
type Collector struct {
	conn    *net.UDPConn
	decoder *Decoder
	sink    Sink
	log     *slog.Logger
	now     func() time.Time
	done    chan struct{}

	closeOnce sync.Once
	packets   atomic.Uint64
	flows     atomic.Uint64
	refused   atomic.Uint64
	lastWarn  atomic.Int64 // unix seconds of the last warning about a refused packet
}

// Listen starts a collector on addr ("0.0.0.0:2055"). now gives the receive time; nil means time.Now.
func Listen(addr string, sink Sink, log *slog.Logger, now func() time.Time) (*Collector, error) {
	ua, err := net.ResolveUDPAddr("udp", addr)
	if err != nil {
		return nil, fmt.Errorf("netflow: listen %s: %w", addr, err)
	}
	conn, err := net.ListenUDP("udp", ua)
	if err != nil {
		return nil, fmt.Errorf("netflow: listen %s: %w", addr, err)
	}
	_ = conn.SetReadBuffer(4 << 20) // bursts of export packets should not be dropped by the kernel
	d, err := NewDecoder()
	if err != nil {
		conn.Close()
		return nil, err
	}
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	if now == nil {
		now = time.Now
	}
	c := &Collector{conn: conn, decoder: d, sink: sink, log: log, now: now, done: make(chan struct{})}
	go c.run()
	return c, nil
}

// Addr returns the address the collector listens on.
func (c *Collector) Addr() netip.AddrPort { return c.conn.LocalAddr().(*net.UDPAddr).AddrPort() }

// Stats reports the packets received, the flows decoded and the packets refused since start.
func (c *Collector) Stats() (packets, flows, refused uint64) {
	return c.packets.Load(), c.flows.Load(), c.refused.Load()
}

func (c *Collector) run() {
	defer close(c.done)
	buf := make([]byte, 65535)
	var flows []Flow
	for {
		n, from, err := c.conn.ReadFromUDPAddrPort(buf)
		if err != nil {
			if !errors.Is(err, net.ErrClosed) {
				c.log.Error("netflow: read", "err", err)
			}
			return
		}
		c.packets.Add(1)
		flows, err = c.decoder.Decode(from.Addr(), c.now(), buf[:n], flows[:0])
		if err != nil {
			c.refused.Add(1)
			c.warn(from, err)
		}
		if len(flows) > 0 {
			c.flows.Add(uint64(len(flows)))
			c.sink(flows)
		}
	}
}

// warn logs a refused packet, at most once a minute.
func (c *Collector) warn(from netip.AddrPort, err error) {
	now := c.now().Unix()
	if last := c.lastWarn.Load(); now-last < 60 || !c.lastWarn.CompareAndSwap(last, now) {
		return
	}
	c.log.Warn("netflow: packet refused (further refusals are counted, and logged once a minute)",
		"exporter", from.String(), "err", err, "refused_so_far", c.refused.Load())
}

// Close stops the collector and waits for its reader.
func (c *Collector) Close(context.Context) error {
	var err error
	c.closeOnce.Do(func() {
		err = c.conn.Close()
		<-c.done
	})
	return err
}
