// Package source is the interface between vendor log formats and the lake: a Source reads one raw object
// (an S3 object, a file) in its vendor's format and hands OCSF 1.1.0 events to a Sink, in batches, with the
// records it could not normalize set aside and everything counted. The ingestion pipeline calls it; so does
// `seclake ocsf normalize`. The sources themselves live in the packages below (source/vpcflow, …), and
// source/catalog lists them.
//
// The contract, for every source:
//
//   - Vendor bytes in: Object.Body is read to its end, gzip or plain (Open tells them apart), in bounded
//     memory whatever its size: records are read one at a time (Lines for line formats; Values for JSON ones:
//     JSON lines, pretty-printed values, arrays and {"Findings":[…]} wrappers, element by element), and no
//     record is kept beyond MaxRecord bytes. JSON sources map a record with Fields (each field taken, the
//     rest under unmapped) and use EachJSON or NormalizeJSON as their Normalize loop (see route53, waf).
//   - Events out: batches of at most BatchSize events per table, through Sink.Events. An event is a pointer to
//     one of package ocsf's generated class structs; the sink owns it.
//   - Bad records are set aside (Sink.SetAside) with the object's name, the record's number (its line, from
//     1), the reason and the raw bytes, and the rest of the object goes on. Normalize returns an error only when
//     reading fails, the context ends or the sink fails.
//   - Counts: read = normalized + set aside + skipped; nothing disappears without a count.
//   - Nothing panics, whatever the input (each source has a fuzz target).
//   - What comes out is valid OCSF 1.1.0 (ocsf.Validate) and fits its Security Lake table (shape.Table.Fit),
//     field for field as Amazon's Security Lake writes it.
//
// # Developing a source
//
// A source is a package internal/source/<name> (cloudtrail, route53, securityhub, eksaudit, waf,
// networkfirewall, guardduty, suricata, …). Take source/vpcflow as the model; the steps:
//
// 1. Read what Amazon does. For a Security Lake source: the Security Lake team's mapping table for OCSF 1.1.0
// (../shared/corpus/ocsf-output-examples/ocsf-examples-security-lake/mappings/markdown/AWS/v1.1.0/<source>/
// README.md) and its sample pair (samples/*.raw → *.ocsf), Amazon's own output where the corpus has it
// (security-lake-ocsf-validation-samples/), and the table's columns (internal/ocsf/shape/data/<table>.json).
// Amazon's output is the judge: where the mapping table, the OCSF schema and Amazon's output disagree, do what
// the output shows and write the case down in the package comment. Files of ocsf-examples-security-lake (no
// licence) and of *-ELv2 folders are read by tests from the corpus, never copied into the repository.
//
// 2. Write the package: a type with Info and Normalize.
//
//	func (*Source) Info() source.Info {
//		return source.Info{Name: "route53", SecurityLake: "ROUTE53", Version: "2.0", Product: "Route 53",
//			Classes: []int32{ocsf.ClassDNSActivity}, Tables: []string{"route53"}, Summary: "…"}
//	}
//
//	func (*Source) Normalize(ctx context.Context, obj source.Object, sink source.Sink) (source.Counts, error) {
//		c := source.NewCollector(ctx, sink, obj.Name)
//		body, err := source.Open(obj.Body)
//		if err != nil {
//			return c.Counts(), err
//		}
//		lines := source.NewLines(body) // or a json.Decoder over body for {"Records":[…]}, record by record
//		for lines.Next() {
//			ev, why := build(lines.Line())
//			if why != "" {
//				err = c.SetAside(lines.Number(), why, lines.Line(), lines.Truncated())
//			} else {
//				err = c.Event("route53", ev)
//			}
//			if err != nil {
//				return c.Counts(), err
//			}
//		}
//		c.AddBytes(lines.Bytes())
//		if err := lines.Err(); err != nil {
//			counts, _ := c.Close()
//			return counts, err
//		}
//		return c.Close()
//	}
//
// Build events with the generated types: ev := &ocsf.DNSActivity{…}; ev.SetActivity(id) sets class, category,
// activity and type with their captions; ev.SetSeverity(id). Optional numbers are pointers (ocsf.Int32(0)
// keeps a 0); every vendor field without an OCSF home goes under Unmapped (map[string]string, as the tables
// have it): source.Flatten writes nested vendor fields there as Security Lake does (dotted paths, "[]" after
// arrays, the values of an array's elements joined by commas). Check each value
// the schema types (IP addresses, ports, times) and set the record aside when it does not parse: whatever the
// input, what comes out must validate. Collector.More adds further events of the same record; Collector.Skip
// counts a record deliberately not mapped (a kind Security Lake ignores).
//
// Hot sources (CloudTrail, VPC flow) build many events per second: allocate the objects of an event together
// (ocsf.Slab of a struct holding the event and its objects, ocsf.Scalars for optional numbers, ocsf.Strings
// for strings), share what does not change between records (metadata, cloud), and intern repeated strings, as
// vpcflow does. Events may share
// such objects: consumers treat events as read-only.
//
// 3. Register it: add New() to the list in source/catalog (one line).
//
// 4. Golden files. Write small samples in internal/source/<name>/testdata/<case>.<ext> — your own, or small
// permissively licensed ones with their origin in testdata/README.md — covering each class, each conditional
// mapping, missing values and bad records; <case>.object.json may give Object's other fields
// ({"Format": …, "Region": …, "Time": …}). Then
//
//	func TestGolden(t *testing.T) { sourcetest.Golden(t, New(), "testdata") }
//
// and `go test ./internal/source/<name> -run Golden -update` writes <case>.ocsf.jsonl (the events) and
// <case>.setaside.txt (the records set aside, with reasons). Review them line by line; the test then fails on
// any change. Golden also checks every event: valid OCSF 1.1.0 of the source's classes, fits its table, counts
// add up.
//
// 5. The corpus. A test runs the source over its folder of ../shared/corpus with sourcetest.Corpus (skipped
// when the corpus is absent), with the number of records each file should set aside: 0 for well-formed input.
//
// 6. Equality with Amazon. For each input Amazon has published output for, a sourcetest.Pair: the input as an
// Object and Amazon's event decoded (sourcetest.Decode); output of another OCSF version is carried to 1.1.0
// with sourcetest.Move, Set and Delete, following the 1.1.0 mapping table (see vpcflow's carryRC2). Then
//
//	r := sourcetest.Equality(t, New(), pairs, sourcetest.Known{"src_endpoint.ip": "why we differ", …})
//
// compares field by field, logs the agreement rate and every difference, and fails on a difference Known does
// not explain. Put the rate and the explained differences in the package comment.
//
// 7. Fuzz and benchmark:
//
//	func FuzzNormalize(f *testing.F) { sourcetest.Fuzz(f, New(), seedsFromTestdata...) }
//	func BenchmarkNormalize(b *testing.B) { sourcetest.Bench(b, New(), input, records) }
//
// Fuzz checks that nothing panics and that whatever comes out validates and fits its table; run it for a few
// minutes (`go test -run X -fuzz FuzzNormalize -fuzztime 5m`). Bench reports MB/s and records per CPU-second;
// run it with -cpu 1 beside a floor (the same input decoded with encoding/json, or split and parsed) in the same
// run, and keep the numbers in docs/benchmarks.md. A memory test normalizes a large generated input read from
// an io.Reader (never held in memory) and checks the heap's peak (see vpcflow's TestMemoryBounded).
package source
