package netflow

import (
	"encoding/binary"
	"errors"
	"net/netip"
	"testing"
	"time"

	"github.com/seclake/seclake/internal/netflow/netflowtest"
)

// TestZeroLengthTemplateIsRefused sends a NetFlow v9 template whose one field is zero bytes long, then data:
// goflow2 alone loops forever on it.
func TestZeroLengthTemplateIsRefused(t *testing.T) {
	d, _ := NewDecoder()
	tpl := binary.BigEndian.AppendUint16(nil, 300)
	tpl = binary.BigEndian.AppendUint16(tpl, 1)
	tpl = binary.BigEndian.AppendUint16(tpl, 8)
	tpl = binary.BigEndian.AppendUint16(tpl, 0)
	sets := netflowtest.AppendSet(nil, 0, tpl)
	sets = netflowtest.AppendSet(sets, 300, []byte{1, 2, 3, 4, 5, 6, 7, 8})
	b := binary.BigEndian.AppendUint16(nil, 9)
	b = binary.BigEndian.AppendUint16(b, 2)
	b = binary.BigEndian.AppendUint32(b, 1)
	b = binary.BigEndian.AppendUint32(b, uint32(now.Unix()))
	b = binary.BigEndian.AppendUint32(b, 1)
	b = binary.BigEndian.AppendUint32(b, 7)
	b = append(b, sets...)
	done := make(chan error, 1)
	go func() { _, err := d.Decode(exporterA, now, b, nil); done <- err }()
	select {
	case err := <-done:
		if !errors.Is(err, errEmptyTemplate) {
			t.Fatalf("err = %v", err)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("a template of zero-length records stops the decoder")
	}
}

// ipfixTemplates encodes an IPFIX message defining templates first..first+n-1, each of one 4-byte field.
func ipfixTemplates(first, n int) []byte {
	var t []byte
	for id := first; id < first+n; id++ {
		t = binary.BigEndian.AppendUint16(t, uint16(id))
		t = binary.BigEndian.AppendUint16(t, 1)
		t = binary.BigEndian.AppendUint16(t, 8)
		t = binary.BigEndian.AppendUint16(t, 4)
	}
	sets := netflowtest.AppendSet(nil, 2, t)
	b := binary.BigEndian.AppendUint16(nil, 10)
	b = binary.BigEndian.AppendUint16(b, uint16(16+len(sets)))
	b = binary.BigEndian.AppendUint32(b, uint32(now.Unix()))
	b = binary.BigEndian.AppendUint32(b, 1)
	b = binary.BigEndian.AppendUint32(b, 1)
	return append(b, sets...)
}

func TestExportersAndTemplatesAreBounded(t *testing.T) {
	d, err := NewDecoder()
	if err != nil {
		t.Fatal(err)
	}
	for first := 256; first < 256+MaxTemplates; first += 256 {
		if _, err := d.Decode(exporterA, now, ipfixTemplates(first, 256), nil); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := d.Decode(exporterA, now, ipfixTemplates(256, 10), nil); err != nil {
		t.Fatalf("redefining known templates: %v", err)
	}
	if _, err := d.Decode(exporterA, now, ipfixTemplates(256+MaxTemplates, 1), nil); !errors.Is(err, errTooManyTemplates) {
		t.Fatalf("template %d: err = %v", MaxTemplates+1, err)
	}
	for i := 1; i < MaxExporters; i++ {
		addr := netip.AddrFrom4([4]byte{10, byte(i >> 16), byte(i >> 8), byte(i)})
		if _, err := d.Decode(addr, now, ipfixTemplates(256, 1), nil); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := d.Decode(netip.MustParseAddr("10.200.0.1"), now, ipfixTemplates(256, 1), nil); !errors.Is(err, errTooManyExporters) {
		t.Fatalf("exporter %d: err = %v", MaxExporters+1, err)
	}
}
