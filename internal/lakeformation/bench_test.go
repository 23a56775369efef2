package lakeformation_test

import (
	"fmt"
	"testing"

	lf "github.com/seclake/seclake/internal/lakeformation"
)

// BenchmarkAccess measures the governor's decision for a query (one per table a query reads) with 200 grants in
// the catalog, two data cells filters held by the caller.
func BenchmarkAccess(b *testing.B) {
	f := newFixture(b)
	if err := f.svc.PutDataLakeSettings(ctx, root(acct), "", lf.Settings{DataLakeAdmins: []lf.Principal{{ID: f.admin.ARN}}}); err != nil {
		b.Fatal(err)
	}
	for i := range 2 {
		name := fmt.Sprintf("f%d", i)
		if err := f.svc.CreateDataCellsFilter(ctx, f.admin, lf.DataCellsFilter{TableCatalogID: acct, DatabaseName: "sec", TableName: "events",
			Name: name, RowFilter: &lf.RowFilter{FilterExpression: fmt.Sprintf("severity_id = %d", i)}, ColumnWildcard: &lf.ColumnWildcard{}}); err != nil {
			b.Fatal(err)
		}
		if err := f.svc.GrantPermissions(ctx, f.admin, lf.GrantInput{Principal: f.filtered.ARN, Permissions: []string{"SELECT"},
			Resource: lf.Resource{DataCellsFilter: &lf.DataCellsFilterResource{TableCatalogID: acct, DatabaseName: "sec", TableName: "events", Name: name}}}); err != nil {
			b.Fatal(err)
		}
	}
	for i := range 198 {
		if err := f.svc.GrantPermissions(ctx, f.admin, lf.GrantInput{Principal: fmt.Sprintf("arn:aws:iam::%s:role/r%d", acct, i),
			Permissions: []string{"SELECT"}, Resource: tableRes()}); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportAllocs()
	b.ResetTimer()
	for b.Loop() {
		a, err := f.svc.Access(ctx, f.filtered, f.table)
		if err != nil || a.RowFilter == "" {
			b.Fatal(err)
		}
	}
}

// BenchmarkParseFilter measures checking a typical row filter against a table's columns.
func BenchmarkParseFilter(b *testing.B) {
	cols := []string{"accountid", "region", "actor", "api", "time", "severity_id", "class_uid"}
	src := "accountid IN ('111122223333', '444455556666') AND region = 'us-east-1' AND (severity_id >= 3 OR actor.user.name LIKE 'admin%')"
	b.ReportAllocs()
	for b.Loop() {
		if _, err := lf.ParseFilter(src, cols); err != nil {
			b.Fatal(err)
		}
	}
}
