// Package icebergrest serves the Apache Iceberg REST catalog where AWS Glue serves its own: under /iceberg/ on
// the edge port, for requests SigV4-signed for the service glue, with Glue's catalog prefix (catalogs/<account>)
// and the glue:* actions AWS maps its endpoints to. Tables are loaded with their metadata location, metadata and
// the S3 settings (s3.endpoint: seclake's S3 API, path style) that let an engine read the files with its own
// credentials — the caller's s3:GetObject and kms:Decrypt decide, as on AWS; no credentials are vended.
//
// Errors follow the Iceberg REST error model ({"error":{"message","type","code"}}).
package icebergrest

import (
	"context"
	"encoding/json"
	"net/http"
	"strings"

	"github.com/seclake/seclake/internal/api"
	"github.com/seclake/seclake/internal/awserr"
	"github.com/seclake/seclake/internal/awsproto"
	"github.com/seclake/seclake/internal/datacatalog"
)

// PathPrefix is where the catalog is served; clients set their catalog URI to <endpoint>/iceberg.
const PathPrefix = "/iceberg/"

const base = "/iceberg/v1/catalogs/{catalog}/namespaces"

// New returns the Iceberg REST catalog over the Data Catalog.
func New(cat *datacatalog.Service) *api.Service {
	h := &handler{cat: cat}
	return &api.Service{
		Name:        "glue",
		EventSource: datacatalog.EventSource,
		Protocol:    awsproto.RESTJSON,
		PathPrefix:  PathPrefix,
		WriteError:  writeError,
		Router: api.Routes(
			recorded(api.REST("GetConfig", "GET /iceberg/v1/config", "glue:GetCatalog", true, h.config)),
			recorded(api.REST("ListNamespaces", "GET "+base, "glue:GetDatabases", true, h.listNamespaces)),
			recorded(api.REST("CreateNamespace", "POST "+base, "glue:CreateDatabase", false, h.createNamespace)),
			recorded(api.REST("LoadNamespaceMetadata", "GET "+base+"/{namespace}", "glue:GetDatabase", true, h.loadNamespace)),
			recorded(api.REST("NamespaceExists", "HEAD "+base+"/{namespace}", "glue:GetDatabase", true, h.namespaceExists)),
			recorded(api.REST("DropNamespace", "DELETE "+base+"/{namespace}", "glue:DeleteDatabase", false, h.dropNamespace)),
			recorded(api.REST("UpdateNamespaceProperties", "POST "+base+"/{namespace}/properties", "glue:UpdateDatabase", false, h.updateNamespace)),
			recorded(api.REST("ListTables", "GET "+base+"/{namespace}/tables", "glue:GetTables", true, h.listTables)),
			recorded(api.REST("CreateTable", "POST "+base+"/{namespace}/tables", "glue:CreateTable", false, h.createTable)),
			recorded(api.REST("LoadTable", "GET "+base+"/{namespace}/tables/{table}", "glue:GetTable", true, h.loadTable)),
			recorded(api.REST("TableExists", "HEAD "+base+"/{namespace}/tables/{table}", "glue:GetTable", true, h.tableExists)),
			recorded(api.REST("UpdateTable", "POST "+base+"/{namespace}/tables/{table}", "glue:UpdateTable", false, h.commitTable)),
			recorded(api.REST("DropTable", "DELETE "+base+"/{namespace}/tables/{table}", "glue:DeleteTable", false, h.dropTable)),
		),
	}
}

// recorded makes the audit trail name op's calls by the Glue action they authorize (GetCatalog, GetTable, …),
// as CloudTrail records the calls of Glue's Iceberg endpoint.
func recorded(op *api.Op) *api.Op {
	serve, event := op.Serve, strings.TrimPrefix(op.Action, "glue:")
	op.Serve = func(ctx context.Context, c *api.Call) (any, error) {
		if c.Audit != nil {
			c.Audit.Operation = event
		}
		return serve(ctx, c)
	}
	return op
}

// Endpoints are the endpoints GetConfig advertises, as the Iceberg REST spec spells them.
var Endpoints = []string{
	"GET /v1/{prefix}/namespaces", "POST /v1/{prefix}/namespaces", "GET /v1/{prefix}/namespaces/{namespace}",
	"HEAD /v1/{prefix}/namespaces/{namespace}", "DELETE /v1/{prefix}/namespaces/{namespace}",
	"POST /v1/{prefix}/namespaces/{namespace}/properties",
	"GET /v1/{prefix}/namespaces/{namespace}/tables", "POST /v1/{prefix}/namespaces/{namespace}/tables",
	"GET /v1/{prefix}/namespaces/{namespace}/tables/{table}", "HEAD /v1/{prefix}/namespaces/{namespace}/tables/{table}",
	"POST /v1/{prefix}/namespaces/{namespace}/tables/{table}", "DELETE /v1/{prefix}/namespaces/{namespace}/tables/{table}",
}

type handler struct{ cat *datacatalog.Service }

// jsonOut is a response: a status and a JSON body (none for 204).
type jsonOut struct {
	status int
	body   any
}

// WriteResponse writes the response.
func (o *jsonOut) WriteResponse(w http.ResponseWriter, requestID string) error {
	w.Header().Set("x-amzn-RequestId", requestID)
	if o.body == nil {
		w.WriteHeader(o.status)
		return nil
	}
	b, err := json.Marshal(o.body)
	if err != nil {
		return err
	}
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(o.status)
	_, err = w.Write(b)
	return err
}

func ok(body any) *jsonOut { return &jsonOut{status: http.StatusOK, body: body} }

func noContent() *jsonOut { return &jsonOut{status: http.StatusNoContent} }

type configIn struct {
	Warehouse string `location:"querystring" name:"warehouse" json:"-"`
}

type configOut struct {
	Defaults  map[string]string `json:"defaults"`
	Overrides map[string]string `json:"overrides"`
	Endpoints []string          `json:"endpoints"`
}

// config answers the catalog's configuration: the prefix of the caller's catalog (the warehouse, an account
// ID, or the caller's account), and where its files are read (seclake's S3 API, path style).
func (h *handler) config(ctx context.Context, c *api.Call, in *configIn) (*jsonOut, error) {
	sc := datacatalog.ScopeOf(c.Caller, catalogID(in.Warehouse))
	if _, err := h.cat.Catalog(ctx, c.Caller, sc); err != nil {
		return nil, err
	}
	return ok(configOut{Defaults: s3Config(c), Overrides: map[string]string{"prefix": "catalogs/" + sc.Account},
		Endpoints: Endpoints}), nil
}

// catalogID is the account of a catalog name: Glue accepts "<account>" and "<account>:<catalog>".
func catalogID(s string) string {
	id, _, _ := strings.Cut(s, ":")
	return id
}

// s3Config is where engines read the lake's files: seclake's S3 API on the address the request came to.
func s3Config(c *api.Call) map[string]string {
	scheme := "http"
	if c.HTTP.TLS != nil {
		scheme = "https"
	}
	return map[string]string{
		"s3.endpoint": scheme + "://" + c.HTTP.Host, "s3.path-style-access": "true", "s3.region": c.Caller.Region,
		"client.region": c.Caller.Region,
	}
}

// scope is the catalog a request names in its path, in the caller's region.
func scope(c *api.Call, catalog string) datacatalog.Scope {
	return datacatalog.ScopeOf(c.Caller, catalogID(catalog))
}

type listNamespacesIn struct {
	Catalog string `location:"uri" name:"catalog" json:"-"`
	Parent  string `location:"querystring" name:"parent" json:"-"`
}

type namespacesOut struct {
	Namespaces [][]string `json:"namespaces"`
}

func (h *handler) listNamespaces(ctx context.Context, c *api.Call, in *listNamespacesIn) (*jsonOut, error) {
	dbs, err := h.cat.Databases(ctx, c.Caller, scope(c, in.Catalog))
	if err != nil {
		return nil, err
	}
	out := namespacesOut{Namespaces: [][]string{}}
	if in.Parent != "" { // namespaces are one level deep
		return ok(out), nil
	}
	for _, d := range dbs {
		out.Namespaces = append(out.Namespaces, []string{d.Name})
	}
	return ok(out), nil
}

type createNamespaceIn struct {
	Catalog    string            `location:"uri" name:"catalog" json:"-"`
	Namespace  []string          `json:"namespace"`
	Properties map[string]string `json:"properties"`
}

type namespaceOut struct {
	Namespace  []string          `json:"namespace"`
	Properties map[string]string `json:"properties"`
}

func (h *handler) createNamespace(ctx context.Context, c *api.Call, in *createNamespaceIn) (*jsonOut, error) {
	if len(in.Namespace) != 1 {
		return nil, badRequest("seclake's catalog has one level of namespaces (Glue databases); got %d", len(in.Namespace))
	}
	db := datacatalog.Database{Name: in.Namespace[0], Parameters: map[string]string{}}
	for k, v := range in.Properties {
		switch k {
		case "comment":
			db.Description = v
		case "location":
			db.LocationURI = v
		default:
			db.Parameters[k] = v
		}
	}
	if err := h.cat.CreateDatabase(ctx, c.Caller, scope(c, in.Catalog), db); err != nil {
		return nil, err
	}
	return ok(namespaceOut{Namespace: in.Namespace, Properties: in.Properties}), nil
}

type namespaceIn struct {
	Catalog   string `location:"uri" name:"catalog" json:"-"`
	Namespace string `location:"uri" name:"namespace" json:"-"`
}

func (h *handler) loadNamespace(ctx context.Context, c *api.Call, in *namespaceIn) (*jsonOut, error) {
	d, err := h.cat.Database(ctx, c.Caller, scope(c, in.Catalog), in.Namespace)
	if err != nil {
		return nil, err
	}
	props := map[string]string{}
	for k, v := range d.Parameters {
		props[k] = v
	}
	if d.Description != "" {
		props["comment"] = d.Description
	}
	if d.LocationURI != "" {
		props["location"] = d.LocationURI
	}
	return ok(namespaceOut{Namespace: []string{d.Name}, Properties: props}), nil
}

func (h *handler) namespaceExists(ctx context.Context, c *api.Call, in *namespaceIn) (*jsonOut, error) {
	if _, err := h.cat.Database(ctx, c.Caller, scope(c, in.Catalog), in.Namespace); err != nil {
		return nil, err
	}
	return noContent(), nil
}

func (h *handler) dropNamespace(ctx context.Context, c *api.Call, in *namespaceIn) (*jsonOut, error) {
	if err := h.cat.DeleteDatabase(ctx, c.Caller, scope(c, in.Catalog), in.Namespace); err != nil {
		return nil, err
	}
	return noContent(), nil
}

type updateNamespaceIn struct {
	Catalog   string            `location:"uri" name:"catalog" json:"-"`
	Namespace string            `location:"uri" name:"namespace" json:"-"`
	Removals  []string          `json:"removals"`
	Updates   map[string]string `json:"updates"`
}

type updateNamespaceOut struct {
	Updated []string `json:"updated"`
	Removed []string `json:"removed"`
	Missing []string `json:"missing,omitempty"`
}

func (h *handler) updateNamespace(ctx context.Context, c *api.Call, in *updateNamespaceIn) (*jsonOut, error) {
	res, err := h.cat.UpdateNamespaceProperties(ctx, c.Caller, scope(c, in.Catalog), in.Namespace, in.Removals, in.Updates)
	if err != nil {
		return nil, err
	}
	out := updateNamespaceOut{Updated: res.Updated, Removed: res.Removed, Missing: res.Missing}
	if out.Updated == nil {
		out.Updated = []string{}
	}
	if out.Removed == nil {
		out.Removed = []string{}
	}
	return ok(out), nil
}

// badRequest is the Iceberg REST catalog's BadRequestException.
func badRequest(format string, args ...any) error {
	return awserr.New("BadRequestException", http.StatusBadRequest, format, args...)
}
