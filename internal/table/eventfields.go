package table

import (
	"reflect"
	"sync"

	"github.com/seclake/seclake/internal/ocsf"
)

// eventFields are where an event struct keeps what partitioning reads: time, cloud.region and
// cloud.account.uid (the generated OCSF classes all have them), so that a batch is partitioned without making
// a row of every event first.
type eventFields struct {
	ok                      bool
	time, cloud             int // field indices in the event struct
	region, account, accUID int // in ocsf.Cloud and ocsf.Account
}

var fieldsByType sync.Map // reflect.Type → eventFields

func fieldsOf(t reflect.Type) eventFields {
	if f, ok := fieldsByType.Load(t); ok {
		return f.(eventFields)
	}
	f := eventFields{}
	cloudT := reflect.TypeOf(ocsf.Cloud{})
	accT := reflect.TypeOf(ocsf.Account{})
	tf, ok1 := t.FieldByName("Time")
	cf, ok2 := t.FieldByName("Cloud")
	rf, ok3 := cloudT.FieldByName("Region")
	af, ok4 := cloudT.FieldByName("Account")
	uf, ok5 := accT.FieldByName("UID")
	if ok1 && ok2 && ok3 && ok4 && ok5 && len(tf.Index) == 1 && len(cf.Index) == 1 && tf.Type.Kind() == reflect.Int64 &&
		cf.Type == reflect.PointerTo(cloudT) && rf.Type.Kind() == reflect.String && af.Type == reflect.PointerTo(accT) &&
		uf.Type.Kind() == reflect.String {
		f = eventFields{ok: true, time: tf.Index[0], cloud: cf.Index[0], region: rf.Index[0], account: af.Index[0],
			accUID: uf.Index[0]}
	}
	fieldsByType.Store(t, f)
	return f
}

// readFields returns an event's time (ms), cloud.region and cloud.account.uid read from its struct; ok is false
// for an event that is not a pointer to a generated OCSF class.
func readFields(ev ocsf.Event) (ms int64, region, account string, ok bool) {
	v := reflect.ValueOf(ev)
	if v.Kind() != reflect.Pointer || v.IsNil() || v.Elem().Kind() != reflect.Struct {
		return 0, "", "", false
	}
	v = v.Elem()
	f := fieldsOf(v.Type())
	if !f.ok {
		return 0, "", "", false
	}
	ms = v.Field(f.time).Int()
	if c := v.Field(f.cloud); !c.IsNil() {
		c = c.Elem()
		region = c.Field(f.region).String()
		if a := c.Field(f.account); !a.IsNil() {
			account = a.Elem().Field(f.accUID).String()
		}
	}
	return ms, region, account, true
}
