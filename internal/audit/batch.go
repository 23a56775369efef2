package audit

import (
	"bytes"
	"compress/flate"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"sync"
)

// A batch row holds consecutive records of the chain: a header with each record's chain data, then the
// records' JSON (exactly as hashed, one after the other), stored as is or compressed.
//
//	version(1) ‖ codec(1) ‖ count(uvarint) ‖ count × entry header ‖ body
//	entry header: seq(8) ‖ sec(8) ‖ len(4) ‖ hash(32) ‖ mac(32)
//	body: json_1 ‖ … ‖ json_count (codecRaw), or its DEFLATE stream (codecDeflate, RFC 1951)
//
// seq is the record's sequence number, sec its event time (Unix seconds, two's complement), len the length
// of its JSON, hash its chain hash and mac the MAC of (seq, hash). Integers are big-endian. The version lets
// a later layout be read beside this one.
//
// The records of a commit fill one row, or several when their JSON exceeds rowTarget: a bounded row keeps
// reads cheap (a lookup reads a whole row) and keeps the store's pages small (meta/sqlite keeps values in
// its key b-tree, where every comparison with an overflowing row reads the row whole). Compressed, a row of
// similar records takes a tenth of the bytes, and bytes are what a commit mostly costs.
const (
	batchVersion  = 1
	batchEntryLen = 8 + 8 + 4 + HashSize + HashSize

	codecRaw     byte = 0
	codecDeflate byte = 1

	maxRowBody = 1 << 20 // JSON bytes a row may hold (rowTarget, or one record up to MaxRecordBytes)
)

// rowTarget is how many bytes of JSON the writer puts in a row at most, unless one record is larger (a
// variable for tests).
var rowTarget = 64 << 10

// entry is one stored record: its sequence number, event time, the chain hash through it, the MAC of
// (seq, hash) and the record's JSON exactly as hashed.
type entry struct {
	seq  uint64
	sec  int64
	hash Hash
	mac  Hash
	json []byte
}

// appendBatchHeader appends the header of a row holding entries, whose body is encoded with codec.
func appendBatchHeader(b []byte, codec byte, entries []entry) []byte {
	b = append(b, batchVersion, codec)
	b = binary.AppendUvarint(b, uint64(len(entries)))
	for _, e := range entries {
		b = binary.BigEndian.AppendUint64(b, e.seq)
		b = binary.BigEndian.AppendUint64(b, uint64(e.sec))
		b = binary.BigEndian.AppendUint32(b, uint32(len(e.json)))
		b = append(b, e.hash[:]...)
		b = append(b, e.mac[:]...)
	}
	return b
}

// compressor compresses row bodies, reusing one DEFLATE state. It is safe for concurrent use.
type compressor struct {
	mu  sync.Mutex
	w   *flate.Writer
	buf bytes.Buffer
}

// body returns the body of a row holding the given JSON, and its codec: DEFLATE if that is smaller.
func (c *compressor) body(jsons [][]byte) (byte, []byte) {
	c.mu.Lock()
	defer c.mu.Unlock()
	raw := 0
	for _, js := range jsons {
		raw += len(js)
	}
	c.buf.Reset()
	if c.w == nil {
		c.w, _ = flate.NewWriter(&c.buf, flate.BestSpeed) // BestSpeed is a valid level
	} else {
		c.w.Reset(&c.buf)
	}
	for _, js := range jsons {
		_, _ = c.w.Write(js) // writes to a bytes.Buffer do not fail
	}
	_ = c.w.Close()
	if c.buf.Len() < raw {
		return codecDeflate, bytes.Clone(c.buf.Bytes())
	}
	out := make([]byte, 0, raw)
	for _, js := range jsons {
		out = append(out, js...)
	}
	return codecRaw, out
}

// batch is a decoded batch row. Its header is parsed by decodeBatch; its body is read (and decompressed)
// when a record's JSON is first needed.
type batch struct {
	first uint64 // the sequence number in the row's key (set by readers that know it)
	row   []byte // the stored row
	codec byte
	hdr   int   // offset of the first entry header in row
	offs  []int // offs[i] is where record i's JSON starts in the body; offs[len] is the body's length

	loaded  bool
	body    []byte
	avail   int   // records whose JSON the body holds whole
	bodyErr error // why the body holds fewer records than the header, or more bytes
}

// decodeBatch parses a batch row's header: its structure, not whether its records verify (that is for the
// chain). The body is checked by load.
func decodeBatch(b []byte) (*batch, error) {
	if len(b) < 2 || b[0] != batchVersion {
		v := -1
		if len(b) > 0 {
			v = int(b[0])
		}
		return nil, fmt.Errorf("batch version %d: %w", v, errCorrupt)
	}
	if b[1] != codecRaw && b[1] != codecDeflate {
		return nil, fmt.Errorf("batch codec %d: %w", b[1], errCorrupt)
	}
	n, w := uvarint(b[2:])
	if w <= 0 {
		return nil, fmt.Errorf("batch count: %w", errCorrupt)
	}
	hdr := 2 + w
	if n == 0 || n > uint64(len(b)-hdr)/batchEntryLen {
		return nil, fmt.Errorf("batch of %d bytes cannot hold %d records: %w", len(b), n, errCorrupt)
	}
	bt := &batch{row: b, codec: b[1], hdr: hdr, offs: make([]int, n+1)}
	off := 0
	for i := range int(n) {
		bt.offs[i] = off
		off += int(binary.BigEndian.Uint32(b[hdr+i*batchEntryLen+16:]))
		if off > maxRowBody {
			return nil, fmt.Errorf("batch records exceed %d bytes: %w", maxRowBody, errCorrupt)
		}
	}
	bt.offs[n] = off
	return bt, nil
}

// len is the number of records in the batch.
func (bt *batch) len() int { return len(bt.offs) - 1 }

// bodyStart is the offset of the body in the row.
func (bt *batch) bodyStart() int { return bt.hdr + bt.len()*batchEntryLen }

// head returns the header bytes of record i.
func (bt *batch) head(i int) []byte {
	return bt.row[bt.hdr+i*batchEntryLen : bt.hdr+(i+1)*batchEntryLen]
}

// pos returns record i's position (event time, sequence number) as stored.
func (bt *batch) pos(i int) position {
	h := bt.head(i)
	return position{sec: int64(binary.BigEndian.Uint64(h[8:16])), seq: binary.BigEndian.Uint64(h[:8])}
}

// chain returns record i without its JSON.
func (bt *batch) chain(i int) entry {
	h := bt.head(i)
	p := bt.pos(i)
	e := entry{seq: p.seq, sec: p.sec}
	copy(e.hash[:], h[20:20+HashSize])
	copy(e.mac[:], h[20+HashSize:])
	return e
}

// entry returns record i, and whether its JSON could be read (see load).
func (bt *batch) entry(i int) (entry, bool) {
	e := bt.chain(i)
	js, ok := bt.json(i)
	e.json = js
	return e, ok
}

// json returns record i's JSON, and whether the body holds it whole.
func (bt *batch) json(i int) ([]byte, bool) {
	bt.load()
	if i >= bt.avail {
		return nil, false
	}
	return bt.body[bt.offs[i]:bt.offs[i+1]:bt.offs[i+1]], true
}

// load reads the body once: avail is then the number of records whose JSON it holds whole, and bodyErr
// says why that is not all of them, or why the body holds more than its records.
func (bt *batch) load() {
	if bt.loaded {
		return
	}
	bt.loaded = true
	total := bt.offs[bt.len()]
	src := bt.row[bt.bodyStart():]
	switch bt.codec {
	case codecRaw:
		bt.body = src
		if len(src) > total {
			bt.bodyErr = fmt.Errorf("batch has %d bytes after its records: %w", len(src)-total, errCorrupt)
		}
	case codecDeflate:
		bt.body, bt.bodyErr = inflate(src, total)
	}
	bt.avail = bt.len()
	for bt.avail > 0 && bt.offs[bt.avail] > len(bt.body) {
		bt.avail--
	}
	if bt.avail < bt.len() && bt.bodyErr == nil {
		bt.bodyErr = fmt.Errorf("batch body ends after %d of %d bytes: %w", len(bt.body), total, errCorrupt)
	}
	bt.body = bt.body[:min(len(bt.body), total)]
}

var inflaters sync.Pool

// inflate decompresses a DEFLATE stream that should hold exactly total bytes. It returns what it could
// decompress (at most total bytes), and an error if the stream is damaged, shorter, longer, or followed by
// other bytes.
func inflate(src []byte, total int) ([]byte, error) {
	in := bytes.NewReader(src)
	var zr io.ReadCloser
	if r, ok := inflaters.Get().(io.ReadCloser); ok {
		zr = r
		_ = zr.(flate.Resetter).Reset(in, nil) // a flate reader's Reset does not fail
	} else {
		zr = flate.NewReader(in)
	}
	defer inflaters.Put(zr)
	out := make([]byte, total+1)
	n := 0
	var err error
	for n < len(out) && err == nil {
		var k int
		k, err = zr.Read(out[n:])
		n += k
	}
	switch {
	case n > total:
		return out[:total], fmt.Errorf("batch body holds more than its records: %w", errCorrupt)
	case errors.Is(err, io.EOF):
		err = nil
	default:
		return out[:n], fmt.Errorf("batch body: %v: %w", err, errCorrupt)
	}
	if in.Len() > 0 {
		err = fmt.Errorf("batch has %d bytes after its compressed body: %w", in.Len(), errCorrupt)
	}
	return out[:n], err
}
