package netflow

import (
	"encoding/binary"
	"errors"
	"sync"

	"github.com/netsampler/goflow2/v2/decoders/netflow"
)

// errEmptyTemplate refuses a packet with a template whose records would be zero bytes long (no fields — an
// IPFIX withdrawal included — or only zero-length ones): goflow2 (v2.2.6) loops forever on a data set of such
// a template, so one packet would stop the collector.
var errEmptyTemplate = errors.New("netflow: a template whose records are zero bytes long")

// checkTemplates scans the sets of a NetFlow v9 (version 9) or IPFIX (10) packet, refuses one that defines a
// template of zero-length records, and returns how many sets the packet holds. Malformed sets are left to the
// decoder to report.
func checkTemplates(version uint16, packet []byte) (sets int, err error) {
	header, template, options := 20, uint16(0), uint16(1)
	if version == 10 {
		header, template, options = 16, 2, 3
	}
	if len(packet) < header {
		return 0, nil
	}
	for b := packet[header:]; len(b) >= 4; sets++ {
		id, n := binary.BigEndian.Uint16(b), int(binary.BigEndian.Uint16(b[2:]))
		if n < 4 || n > len(b) {
			return sets, nil
		}
		if id == template || id == options {
			if err := checkTemplateSet(version, id == options, b[4:n]); err != nil {
				return sets, err
			}
		}
		b = b[n:]
	}
	return sets, nil
}

// v9WithCount returns a NetFlow v9 packet whose header's count covers its sets. goflow2 decodes as many sets as
// the count says, but exporters disagree on what it counts (RFC 3954 counts records; softflowd 1.1.0 counts
// only data records), so a packet of templates followed by data would lose its data. The packet is copied only
// when its count is short.
func v9WithCount(packet []byte, sets int) []byte {
	if len(packet) < 4 || int(binary.BigEndian.Uint16(packet[2:])) >= sets {
		return packet
	}
	p := append([]byte(nil), packet...)
	binary.BigEndian.PutUint16(p[2:], uint16(min(sets, 0xffff)))
	return p
}

// checkTemplateSet checks the template records of one set.
func checkTemplateSet(version uint16, options bool, b []byte) error {
	for len(b) >= 4 {
		var fields int
		switch {
		case version == 9 && options: // template ID, scope length, option length (bytes of field specifiers)
			if len(b) < 6 {
				return nil
			}
			fields = int(binary.BigEndian.Uint16(b[2:])+binary.BigEndian.Uint16(b[4:])) / 4
			b = b[6:]
		case options: // IPFIX: template ID, field count, scope field count
			if len(b) < 6 {
				return nil
			}
			fields = int(binary.BigEndian.Uint16(b[2:]))
			b = b[6:]
		default: // template ID, field count
			fields = int(binary.BigEndian.Uint16(b[2:]))
			b = b[4:]
		}
		if fields == 0 {
			return errEmptyTemplate
		}
		total := 0
		for i := 0; i < fields; i++ {
			if len(b) < 4 {
				return nil
			}
			id, length := binary.BigEndian.Uint16(b), binary.BigEndian.Uint16(b[2:])
			b = b[4:]
			if version == 10 && id&0x8000 != 0 { // an enterprise number follows
				if len(b) < 4 {
					return nil
				}
				b = b[4:]
			}
			if length == 0xffff {
				length = 1 // variable length: at least its length byte
			}
			total += int(length)
		}
		if total == 0 {
			return errEmptyTemplate
		}
	}
	return nil
}

// Bounds on what exporters can make the decoder remember: a collector on a UDP port receives from anyone
// (source addresses are easily forged), so neither the exporters nor their templates may grow without end.
const (
	// MaxExporters is how many exporters' templates the decoder keeps; packets of further exporters are refused.
	MaxExporters = 4096
	// MaxTemplates is how many templates one exporter may define (over all its observation domains).
	MaxTemplates = 1024
)

var (
	errTooManyExporters = errors.New("netflow: too many exporters; this one's packets are refused")
	errTooManyTemplates = errors.New("netflow: the exporter defined too many templates")
)

// boundedTemplates is goflow2's template system with at most MaxTemplates templates.
type boundedTemplates struct {
	netflow.NetFlowTemplateSystem
	mu    sync.Mutex
	count int
}

// AddTemplate adds or replaces a template, refusing a new one beyond MaxTemplates.
func (b *boundedTemplates) AddTemplate(version uint16, domain uint32, id uint16, template interface{}) error {
	b.mu.Lock()
	defer b.mu.Unlock()
	if _, err := b.NetFlowTemplateSystem.GetTemplate(version, domain, id); err != nil {
		if b.count >= MaxTemplates {
			return errTooManyTemplates
		}
		b.count++
	}
	return b.NetFlowTemplateSystem.AddTemplate(version, domain, id, template)
}

// RemoveTemplate removes a template.
func (b *boundedTemplates) RemoveTemplate(version uint16, domain uint32, id uint16) (interface{}, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	t, err := b.NetFlowTemplateSystem.RemoveTemplate(version, domain, id)
	if err == nil && b.count > 0 {
		b.count--
	}
	return t, err
}
