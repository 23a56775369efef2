// Package shape holds the column shapes of Security Lake's source version 2.0 tables (cloud_trail_mgmt,
// lambda_execution, s3_data, vpc_flow, route53, sh_findings, eks_audit, waf): which OCSF attributes each table
// stores, with which types, as Go values a Parquet writer can use (Table.ParquetSchema), and a check that an
// event fits its table (Fit).
//
// The column lists come from notes that mirror the Glue tables (data/*.json, MIT-0, from
// aws-samples/sample-generative-ai-chatbot-for-amazon-security-lake; LICENSE beside them). They were written as
// knowledge-base documents, not exported from AWS, so where they disagree with the output Amazon publishes (its
// OCSF samples and the Security Lake team's mapping tables) this package follows Amazon and says so in
// additions (additions.go): each added column names the sample that shows it.
//
// Besides OCSF attributes, every table has the columns the lake itself fills (Column.Lake): region and accountid
// (partition columns), eventday (the day partition, which the notes omit) and asl_version.
package shape

import (
	"embed"
	"encoding/json"
	"fmt"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"sync"
)

// Kind is the type of a column as Glue names it.
type Kind string

// Column kinds.
const (
	String    Kind = "string"
	Int       Kind = "int"    // 32-bit
	Bigint    Kind = "bigint" // 64-bit
	Boolean   Kind = "boolean"
	Double    Kind = "double"
	Decimal   Kind = "decimal"   // with Precision and Scale
	Timestamp Kind = "timestamp" // UTC; milliseconds in ParquetSchema (ocsf.Datetime), microseconds in IcebergSchema
	Struct    Kind = "struct"    // with Fields
	Array     Kind = "array"     // of Elem
	Map       Kind = "map"       // map<string,string>
)

// Column is one column, or one field of a struct column.
type Column struct {
	Name string
	Kind Kind
	// Fields are the fields of a struct, or of the struct elements of an array<struct>.
	Fields []*Column
	// Elem is the element of an array.
	Elem *Column
	// Precision and Scale of a decimal.
	Precision, Scale int
	// Optional is false for the columns the notes mark required (time, class_uid, …).
	Optional bool
	// Lake marks the columns that the lake fills and events do not carry: region, accountid, eventday,
	// asl_version.
	Lake bool
	// Added names the Amazon sample that shows a column the notes lack; empty for the notes' own columns.
	Added string
}

// Field returns the field of a struct column (or of an array<struct>'s elements) by name.
func (c *Column) Field(name string) *Column {
	fields := c.Fields
	if c.Kind == Array && c.Elem != nil {
		fields = c.Elem.Fields
	}
	for _, f := range fields {
		if f.Name == name {
			return f
		}
	}
	return nil
}

// Table is a Security Lake 2.0 table.
type Table struct {
	// Name is the table's short name ("vpc_flow").
	Name string
	// Source is the Security Lake source name ("VPC_FLOW") and Version its source version ("2.0").
	Source, Version string
	// Columns are the top-level columns, OCSF attributes first in the notes' order, then the lake's.
	Columns []*Column
}

// Column returns the top-level column name.
func (t *Table) Column(name string) *Column {
	for _, c := range t.Columns {
		if c.Name == name {
			return c
		}
	}
	return nil
}

// GlueName returns the table's name in the Glue catalog of region, as Security Lake names it
// (amazon_security_lake_table_us_east_1_vpc_flow_2_0).
func (t *Table) GlueName(region string) string {
	return "amazon_security_lake_table_" + strings.ReplaceAll(region, "-", "_") + "_" + t.Name + "_" +
		strings.ReplaceAll(t.Version, ".", "_")
}

// sources maps each table to its Security Lake source name.
var sources = map[string]string{
	"cloud_trail_mgmt": "CLOUD_TRAIL_MGMT", "lambda_execution": "LAMBDA_EXECUTION", "s3_data": "S3_DATA",
	"vpc_flow": "VPC_FLOW", "route53": "ROUTE53", "sh_findings": "SH_FINDINGS", "eks_audit": "EKS_AUDIT", "waf": "WAF",
}

// lakeColumns are the columns the lake fills; eventday is missing from the notes.
var lakeColumns = []string{"region", "accountid", "eventday", "asl_version"}

//go:embed data/*.json
var notes embed.FS

var (
	loadOnce sync.Once
	tables   map[string]*Table
	loadErr  error
)

// Tables returns the eight tables by name.
func Tables() map[string]*Table {
	loadOnce.Do(func() { tables, loadErr = load() })
	if loadErr != nil {
		panic("shape: " + loadErr.Error())
	}
	return tables
}

// Lookup returns the table named name ("vpc_flow"), or its source name ("VPC_FLOW").
func Lookup(name string) (*Table, bool) {
	for _, t := range Tables() {
		if t.Name == name || t.Source == name {
			return t, true
		}
	}
	return nil, false
}

// Names returns the table names in order.
func Names() []string {
	var out []string
	for n := range sources {
		out = append(out, n)
	}
	sort.Strings(out)
	return out
}

type rawColumn struct {
	Name     string       `json:"name"`
	Type     string       `json:"type"`
	Fields   []*rawColumn `json:"fields"`
	Optional *bool        `json:"optional"`
}

func load() (map[string]*Table, error) {
	out := map[string]*Table{}
	for name, source := range sources {
		b, err := notes.ReadFile("data/" + name + ".json")
		if err != nil {
			return nil, err
		}
		var raw struct {
			Columns []*rawColumn `json:"columns"`
		}
		if err := json.Unmarshal(b, &raw); err != nil {
			return nil, fmt.Errorf("%s: %w", name, err)
		}
		t := &Table{Name: name, Source: source, Version: "2.0"}
		for _, rc := range raw.Columns {
			c, err := column(rc)
			if err != nil {
				return nil, fmt.Errorf("%s: %w", name, err)
			}
			t.Columns = append(t.Columns, c)
		}
		if err := t.add(additions[name]); err != nil {
			return nil, fmt.Errorf("%s: %w", name, err)
		}
		for _, lc := range lakeColumns {
			c := t.Column(lc)
			if c == nil {
				c = &Column{Name: lc, Kind: String, Optional: true, Added: "Security Lake partitions its 2.0 tables by region, accountid and eventday"}
				t.Columns = append(t.Columns, c)
			}
			c.Lake = true
		}
		out[name] = t
	}
	return out, nil
}

var decimalType = regexp.MustCompile(`^decimal\((\d+),(\d+)\)$`)

func column(rc *rawColumn) (*Column, error) {
	c := &Column{Name: rc.Name, Optional: rc.Optional == nil || *rc.Optional}
	if err := c.setType(rc.Type, rc.Fields); err != nil {
		return nil, fmt.Errorf("column %s: %w", rc.Name, err)
	}
	return c, nil
}

// setType parses a Glue type: string, int, bigint, boolean, double, timestamp, decimal(p,s), struct,
// map<string,string>, array<…>.
func (c *Column) setType(typ string, fields []*rawColumn) error {
	if inner, ok := strings.CutPrefix(typ, "array<"); ok && strings.HasSuffix(inner, ">") {
		c.Kind = Array
		c.Elem = &Column{Name: "element", Optional: true}
		return c.Elem.setType(strings.TrimSuffix(inner, ">"), fields)
	}
	if m := decimalType.FindStringSubmatch(typ); m != nil {
		c.Kind = Decimal
		c.Precision, _ = strconv.Atoi(m[1])
		c.Scale, _ = strconv.Atoi(m[2])
		return nil
	}
	switch Kind(typ) {
	case String, Int, Bigint, Boolean, Double, Timestamp:
		c.Kind = Kind(typ)
	case "map<string,string>":
		c.Kind = Map
	case Struct:
		c.Kind = Struct
		for _, f := range fields {
			fc, err := column(f)
			if err != nil {
				return err
			}
			c.Fields = append(c.Fields, fc)
		}
	default:
		return fmt.Errorf("unknown type %q", typ)
	}
	return nil
}
