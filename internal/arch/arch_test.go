// Package arch checks the import rules of DESIGN.md ("Packages") on every non-test Go file of the module:
// imports point down, edge → api → domain → meta/blob interfaces, only the wiring knows the concrete stores, and
// XML wire structs stay out of the domain. It has no code of its own; run it with `go test ./internal/arch`.
package arch

import (
	"bufio"
	"errors"
	"fmt"
	"go/ast"
	"go/parser"
	"go/token"
	"io/fs"
	"os"
	"path"
	"path/filepath"
	"reflect"
	"sort"
	"strconv"
	"strings"
	"testing"
)

// Paths below are relative to the module root ("internal/objstore"), or standard library paths ("net/http").
// A path names a package and every package under it.

// notDomain are the packages under internal/ that are not domain packages, and why. Every other package under
// internal/, including any added later, is a domain package.
var notDomain = map[string]string{
	"internal/app":           "the wiring",
	"internal/edge":          "the HTTP listener",
	"internal/api":           "HTTP handlers and wire structs",
	"internal/awsproto":      "wire codecs",
	"internal/sigv4":         "SigV4 verification of HTTP requests",
	"internal/meta/sqlite":   "a concrete store",
	"internal/meta/postgres": "a concrete store",
	"internal/blob/localfs":  "a concrete store",
	"internal/blob/s3blob":   "a concrete store (an S3 client)",
	"internal/s3remote":      "an S3 client (replicas written to other servers)",
}

// stores are the concrete stores.
var stores = []string{"internal/meta/sqlite", "internal/meta/postgres", "internal/blob/localfs", "internal/blob/s3blob"}

// storeImporters may import the concrete stores (besides each store's own packages): the wiring and commands.
var storeImporters = []string{"internal/app", "cmd", "tools"}

// rule is one import rule: packages it applies to must not import what it forbids.
type rule struct {
	text      string
	appliesTo func(pkg string) bool
	forbids   func(pkg, imp string) bool
}

var rules = []rule{{
	text:      "domain packages (everything under internal/ but app, edge, api, awsproto, sigv4 and the concrete stores) import none of net/http, internal/awsproto, internal/api, internal/edge, internal/app and the concrete stores",
	appliesTo: isDomain,
	forbids: func(_, imp string) bool {
		return under(imp, "net/http", "internal/awsproto", "internal/api", "internal/edge", "internal/app") || under(imp, stores...)
	},
}, {
	text:      "only internal/app, cmd and tools import the concrete stores (internal/meta/sqlite, internal/meta/postgres, internal/blob/localfs, internal/blob/s3blob)",
	appliesTo: func(pkg string) bool { return !under(pkg, storeImporters...) },
	forbids: func(pkg, imp string) bool {
		for _, s := range stores {
			if under(imp, s) && !under(pkg, s) {
				return true
			}
		}
		return false
	},
}, {
	text:      "the wire layer (internal/api, internal/awsproto) does not import the edge or the wiring above it",
	appliesTo: func(pkg string) bool { return under(pkg, "internal/api", "internal/awsproto") },
	forbids:   func(_, imp string) bool { return under(imp, "internal/edge", "internal/app") },
}, {
	text:      "only internal/query imports DuckDB (github.com/duckdb/duckdb-go): SQL runs in one place, locked down",
	appliesTo: func(pkg string) bool { return !under(pkg, "internal/query") },
	forbids: func(_, imp string) bool {
		return under(imp, "github.com/duckdb/duckdb-go", "github.com/duckdb/duckdb-go/v2")
	},
}}

// xmlTagRule is the rule that keeps XML wire structs in internal/api/<service>.
const xmlTagRule = "domain packages declare no XML wire structs: fields with xml tags belong in internal/api/<service>"

// exceptions are known violations, each in one file being changed elsewhere. An exception that no longer
// matches an import fails the test: delete it.
var exceptions = []struct{ file, imp, why string }{}

func isDomain(pkg string) bool {
	if !under(pkg, "internal") || pkg == "internal" {
		return false
	}
	for p := range notDomain {
		if under(pkg, p) {
			return false
		}
	}
	return true
}

// under reports whether p is one of the paths or under one of them.
func under(p string, paths ...string) bool {
	for _, q := range paths {
		if p == q || strings.HasPrefix(p, q+"/") {
			return true
		}
	}
	return false
}

// violation is a rule that an import or a declaration breaks.
type violation struct {
	pos  token.Position // file relative to the module root
	pkg  string
	imp  string // the import, if an import breaks the rule
	what string
	rule string
}

func (v violation) String() string {
	return fmt.Sprintf("%s:%d: package %s %s, but %s (DESIGN.md, \"Packages\")", v.pos.Filename, v.pos.Line, v.pkg, v.what, v.rule)
}

func TestPackagesFollowTheRules(t *testing.T) {
	root, module := moduleRoot(t)
	found, err := check(root, module)
	if err != nil {
		t.Fatal(err)
	}
	if !found.pkgs["internal/objstore"] || !found.pkgs["internal/api/s3"] {
		t.Fatalf("the walk of %s found %d packages, not the module's", root, len(found.pkgs))
	}
	used := make([]bool, len(exceptions))
	for _, v := range found.violations {
		excepted := false
		for i, e := range exceptions {
			if v.imp != "" && v.pos.Filename == e.file && v.imp == e.imp {
				used[i], excepted = true, true
			}
		}
		if !excepted {
			t.Error(v)
		}
	}
	for i, e := range exceptions {
		if !used[i] {
			t.Errorf("%s no longer breaks a rule by importing %s: delete its exception in internal/arch/arch_test.go", e.file, e.imp)
		}
	}
}

// TestRuleTable pins what the import rules allow and forbid.
func TestRuleTable(t *testing.T) {
	cases := []struct {
		pkg, imp string
		broken   int // index of the broken rule; -1 for none
	}{
		{"internal/objstore", "net/http", 0},
		{"internal/objstore", "net/http/httptest", 0},
		{"internal/objstore", "net/url", -1},
		{"internal/objstore", "internal/kms", -1},
		{"internal/iam/policy", "internal/awsproto", 0},
		{"internal/kms", "internal/api/kms", 0},
		{"internal/trail", "internal/edge", 0},
		{"internal/audit", "internal/app", 0},
		{"internal/queue", "internal/meta/sqlite", 0}, // a domain package that does not exist yet
		{"internal/objstore/segment", "internal/blob/s3blob", 0},
		{"internal/objstore", "internal/meta", -1},
		{"internal/objstore", "internal/blob", -1},
		{"internal/api/s3", "net/http", -1},
		{"internal/api/s3", "internal/objstore", -1},
		{"internal/api/s3", "internal/blob/localfs", 1},
		{"internal/api/s3", "internal/edge", 2},
		{"internal/awsproto", "internal/app", 2},
		{"internal/edge", "internal/meta/postgres", 1},
		{"internal/edge", "internal/api/s3", -1},
		{"internal/app", "internal/meta/sqlite", -1},
		{"cmd/seclake", "internal/blob/localfs", -1},
		{"tools/s3bench", "internal/blob/s3blob", -1},
		{"internal/blob/s3blob/s3peer", "internal/blob/s3blob", -1},
		{"internal/blob/s3blob", "net/http", -1},
		{"test/e2e", "internal/meta/sqlite", 1},
		{"internal/query", "github.com/duckdb/duckdb-go/v2", -1},
		{"internal/table", "github.com/duckdb/duckdb-go/v2", 3},
		{"internal/api/athena", "github.com/duckdb/duckdb-go/v2", 3},
	}
	for _, tc := range cases {
		broken := -1
		for i, r := range rules {
			if r.appliesTo(tc.pkg) && r.forbids(tc.pkg, tc.imp) {
				broken = i
				break
			}
		}
		if broken != tc.broken {
			t.Errorf("%s importing %s: broken rule %d, want %d", tc.pkg, tc.imp, broken, tc.broken)
		}
	}
}

type result struct {
	pkgs       map[string]bool
	violations []violation
}

// check parses every non-test Go file under root, whatever its build constraints, and returns the packages it
// saw and the imports and declarations that break a rule.
func check(root, module string) (*result, error) {
	res := &result{pkgs: map[string]bool{}}
	fset := token.NewFileSet()
	err := filepath.WalkDir(root, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		name := d.Name()
		if d.IsDir() {
			if p != root && (name == "testdata" || name == "vendor" || strings.HasPrefix(name, ".") || strings.HasPrefix(name, "_")) {
				return filepath.SkipDir
			}
			if p != root {
				if _, err := os.Stat(filepath.Join(p, "go.mod")); err == nil {
					return filepath.SkipDir // another module
				}
			}
			return nil
		}
		if !strings.HasSuffix(name, ".go") || strings.HasSuffix(name, "_test.go") {
			return nil
		}
		rel, err := filepath.Rel(root, p)
		if err != nil {
			return err
		}
		rel = filepath.ToSlash(rel)
		pkg := path.Dir(rel)
		res.pkgs[pkg] = true
		mode := parser.ImportsOnly | parser.SkipObjectResolution
		if isDomain(pkg) {
			mode = parser.SkipObjectResolution // the struct tags too
		}
		f, err := parser.ParseFile(fset, p, nil, mode)
		if err != nil {
			return err
		}
		if isDomain(pkg) {
			res.violations = append(res.violations, xmlTags(fset, f, rel, pkg)...)
		}
		for _, is := range f.Imports {
			imp, err := strconv.Unquote(is.Path.Value)
			if err != nil {
				return err
			}
			if imp == module || strings.HasPrefix(imp, module+"/") {
				imp = strings.TrimPrefix(strings.TrimPrefix(imp, module), "/")
			}
			pos := fset.Position(is.Pos())
			pos.Filename = rel
			for _, r := range rules {
				if r.appliesTo(pkg) && r.forbids(pkg, imp) {
					res.violations = append(res.violations, violation{pos: pos, pkg: pkg, imp: imp, what: "imports " + imp, rule: r.text})
					break // one message per import: the first rule it breaks
				}
			}
		}
		return nil
	})
	sort.Slice(res.violations, func(i, j int) bool { return res.violations[i].String() < res.violations[j].String() })
	return res, err
}

// xmlTags returns the struct fields of f that have an xml tag.
func xmlTags(fset *token.FileSet, f *ast.File, rel, pkg string) []violation {
	var out []violation
	ast.Inspect(f, func(n ast.Node) bool {
		field, ok := n.(*ast.Field)
		if !ok || field.Tag == nil {
			return true
		}
		tag, err := strconv.Unquote(field.Tag.Value)
		if err != nil {
			return true
		}
		if v, ok := reflect.StructTag(tag).Lookup("xml"); ok {
			pos := fset.Position(field.Pos())
			pos.Filename = rel
			out = append(out, violation{pos: pos, pkg: pkg, what: fmt.Sprintf("declares a field tagged xml:%q", v), rule: xmlTagRule})
		}
		return true
	})
	return out
}

// moduleRoot finds the directory of go.mod above the test's directory and the module path it declares.
func moduleRoot(t *testing.T) (dir, module string) {
	t.Helper()
	dir, err := os.Getwd()
	if err != nil {
		t.Fatal(err)
	}
	for {
		f, err := os.Open(filepath.Join(dir, "go.mod"))
		if err == nil {
			defer f.Close()
			sc := bufio.NewScanner(f)
			for sc.Scan() {
				if m, ok := strings.CutPrefix(strings.TrimSpace(sc.Text()), "module "); ok {
					return dir, strings.Trim(strings.TrimSpace(m), `"`)
				}
			}
			t.Fatalf("%s/go.mod declares no module", dir)
		}
		if !errors.Is(err, fs.ErrNotExist) {
			t.Fatal(err)
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			t.Fatal("no go.mod above the test's directory")
		}
		dir = parent
	}
}
