package eventbus

import (
	"context"
	"encoding/json"
	"errors"
	"regexp"
	"strings"
	"time"

	"github.com/seclake/seclake/internal/actor"
	"github.com/seclake/seclake/internal/meta"
)

// Authorization types of connections.
const (
	AuthAPIKey = "API_KEY"
	AuthBasic  = "BASIC"
	AuthOAuth  = "OAUTH_CLIENT_CREDENTIALS"
)

// ConnectionAuth is a connection's authorization, secrets included. It is stored sealed with the root key.
type ConnectionAuth struct {
	APIKeyName, APIKeyValue string `json:",omitempty"`
	Username, Password      string `json:",omitempty"`
	// OAuth client credentials: the token endpoint, its method, the client, and extra parameters.
	AuthorizationEndpoint, HTTPMethod, ClientID, ClientSecret string          `json:",omitempty"`
	OAuthParameters                                           *HTTPParameters `json:",omitempty"`
	// InvocationParameters are added to every call through the connection.
	InvocationParameters *HTTPParameters `json:",omitempty"`
}

// Connection is how API destinations authenticate to an endpoint.
type Connection struct {
	Name, ARN, Account, Region, Description string
	AuthorizationType                       string
	State                                   string
	Created, Modified                       time.Time
	// Public is the authorization without its secrets, as DescribeConnection shows it.
	Public ConnectionAuth
	// Sealed is the whole ConnectionAuth, sealed with the root key bound to the ARN.
	Sealed []byte
}

// APIDestination is an HTTP endpoint that rules can target.
type APIDestination struct {
	Name, ARN, Account, Region, Description string
	ConnectionARN, Endpoint, Method         string
	RateLimit                               int
	State                                   string
	Created, Modified                       time.Time
}

var connName = regexp.MustCompile(`^[\.\-_A-Za-z0-9]{1,64}$`)

func connectionAAD(arn string) []byte { return []byte("seclake eventbus connection v1\x00" + arn) }

// resourceARN is the ARN of a connection or API destination; the last part is a random ID.
func (s *Service) resourceARN(region, account, kind, name string) (string, error) {
	id, err := s.uuid()
	if err != nil {
		return "", err
	}
	return "arn:aws:events:" + region + ":" + account + ":" + kind + "/" + name + "/" + id, nil
}

// wildARN is the ARN that authorizes an operation on a connection or API destination not yet found.
func wildARN(region, account, kind, name string) string {
	return "arn:aws:events:" + region + ":" + account + ":" + kind + "/" + name + "/*"
}

// CreateConnection creates a connection; its secrets are sealed before they are stored.
func (s *Service) CreateConnection(ctx context.Context, c *actor.Caller, name, description, authType string, auth ConnectionAuth) (*Connection, error) {
	region := s.region(c)
	if err := s.check(ctx, c, "events:CreateConnection", wildARN(region, c.Account, "connection", name), "", nil); err != nil {
		return nil, err
	}
	if !connName.MatchString(name) {
		return nil, validation("Connection name %q is not valid.", name)
	}
	if err := checkAuth(authType, &auth); err != nil {
		return nil, err
	}
	arn, err := s.resourceARN(region, c.Account, "connection", name)
	if err != nil {
		return nil, err
	}
	now := s.cfg.Clock.Now().UTC()
	conn := &Connection{Name: name, ARN: arn, Account: c.Account, Region: region, Description: description,
		AuthorizationType: authType, State: "AUTHORIZED", Created: now, Modified: now, Public: public(auth)}
	plain, _ := json.Marshal(auth)
	if conn.Sealed, err = s.cfg.Seal.Seal(plain, connectionAAD(arn)); err != nil {
		return nil, err
	}
	err = s.cfg.Store.Update(ctx, func(tx meta.Tx) error {
		b, _ := json.Marshal(conn)
		if err := tx.Insert(tableConnections, key(c.Account, region, name), b); errors.Is(err, meta.ErrExists) {
			return exists("Connection %s already exists.", name)
		} else if err != nil {
			return err
		}
		return nil
	})
	return conn, err
}

func checkAuth(authType string, a *ConnectionAuth) error {
	switch authType {
	case AuthAPIKey:
		if a.APIKeyName == "" || a.APIKeyValue == "" {
			return validation("ApiKeyAuthParameters needs ApiKeyName and ApiKeyValue.")
		}
	case AuthBasic:
		if a.Username == "" || a.Password == "" {
			return validation("BasicAuthParameters needs Username and Password.")
		}
	case AuthOAuth:
		if a.AuthorizationEndpoint == "" || a.ClientID == "" || a.ClientSecret == "" {
			return validation("OAuthParameters needs AuthorizationEndpoint and ClientParameters.")
		}
		if !strings.HasPrefix(a.AuthorizationEndpoint, "https://") && !strings.HasPrefix(a.AuthorizationEndpoint, "http://") {
			return validation("AuthorizationEndpoint must be an HTTPS URL.")
		}
		switch a.HTTPMethod {
		case "GET", "POST", "PUT":
		default:
			return validation("OAuth HttpMethod must be GET, POST or PUT.")
		}
	default:
		return validation("AuthorizationType must be API_KEY, BASIC or OAUTH_CLIENT_CREDENTIALS.")
	}
	return nil
}

// public is the authorization without its secrets.
func public(a ConnectionAuth) ConnectionAuth {
	a.APIKeyValue, a.Password, a.ClientSecret = "", "", ""
	return a
}

func getConnection(tx meta.Tx, account, region, name string) (*Connection, error) {
	b, err := tx.Get(tableConnections, key(account, region, name))
	if errors.Is(err, meta.ErrNotFound) {
		return nil, notFound("Failed to describe the connection(s). Connection '%s' does not exist.", name)
	}
	if err != nil {
		return nil, err
	}
	conn := &Connection{}
	return conn, json.Unmarshal(b, conn)
}

// connectionOp looks a connection up and authorizes action on it (on a wildcard ARN when it does not exist,
// so that the refusal comes before the not-found).
func (s *Service) connectionOp(ctx context.Context, c *actor.Caller, action, name string) (*Connection, error) {
	region := s.region(c)
	var conn *Connection
	err := s.cfg.Store.View(ctx, func(tx meta.Tx) error {
		var err error
		conn, err = getConnection(tx, c.Account, region, name)
		return err
	})
	arn := wildARN(region, c.Account, "connection", name)
	if conn != nil {
		arn = conn.ARN
	}
	if err := s.check(ctx, c, action, arn, "", nil); err != nil {
		return nil, err
	}
	return conn, err
}

// DescribeConnection returns a connection without its secrets.
func (s *Service) DescribeConnection(ctx context.Context, c *actor.Caller, name string) (*Connection, error) {
	return s.connectionOp(ctx, c, "events:DescribeConnection", name)
}

// DeleteConnection deletes a connection.
func (s *Service) DeleteConnection(ctx context.Context, c *actor.Caller, name string) (*Connection, error) {
	conn, err := s.connectionOp(ctx, c, "events:DeleteConnection", name)
	if err != nil {
		return nil, err
	}
	conn.State = "DELETING"
	return conn, s.cfg.Store.Update(ctx, func(tx meta.Tx) error { return tx.Delete(tableConnections, key(c.Account, conn.Region, name)) })
}

// ListConnections lists the caller's connections whose names start with prefix.
func (s *Service) ListConnections(ctx context.Context, c *actor.Caller, prefix string) ([]*Connection, error) {
	if err := s.check(ctx, c, "events:ListConnections", "*", "", nil); err != nil {
		return nil, err
	}
	return scanAll[Connection](ctx, s, tableConnections, key(c.Account, s.region(c), prefix))
}

func scanAll[T any](ctx context.Context, s *Service, table, prefix string) ([]*T, error) {
	var out []*T
	err := s.cfg.Store.View(ctx, func(tx meta.Tx) error {
		var err error
		out, err = scanAllTx[T](tx, table, prefix)
		return err
	})
	return out, err
}

// scanAllTx decodes every record of table under prefix.
func scanAllTx[T any](tx meta.Tx, table, prefix string) ([]*T, error) {
	var out []*T
	var derr error
	err := tx.Scan(table, meta.Range{Prefix: prefix}, func(_ string, v []byte) bool {
		x := new(T)
		if derr = json.Unmarshal(v, x); derr != nil {
			return false
		}
		out = append(out, x)
		return true
	})
	return out, errors.Join(err, derr)
}

// APIDestinationInput is CreateApiDestination's input.
type APIDestinationInput struct {
	Name, Description, ConnectionARN, Endpoint, Method string
	RateLimit                                          int
}

// CreateAPIDestination creates an API destination on one of the caller's connections.
func (s *Service) CreateAPIDestination(ctx context.Context, c *actor.Caller, in APIDestinationInput) (*APIDestination, error) {
	region := s.region(c)
	if err := s.check(ctx, c, "events:CreateApiDestination", wildARN(region, c.Account, "api-destination", in.Name), "", nil); err != nil {
		return nil, err
	}
	if !connName.MatchString(in.Name) {
		return nil, validation("API destination name %q is not valid.", in.Name)
	}
	if !strings.HasPrefix(in.Endpoint, "https://") && !strings.HasPrefix(in.Endpoint, "http://") {
		return nil, validation("InvocationEndpoint must be an HTTPS URL.")
	}
	if !validMethod(in.Method) {
		return nil, validation("HttpMethod %q is not valid.", in.Method)
	}
	if in.RateLimit == 0 {
		in.RateLimit = 300
	}
	if in.RateLimit < 1 || in.RateLimit > 300 {
		return nil, validation("InvocationRateLimitPerSecond must be between 1 and 300.")
	}
	arn, err := s.resourceARN(region, c.Account, "api-destination", in.Name)
	if err != nil {
		return nil, err
	}
	now := s.cfg.Clock.Now().UTC()
	d := &APIDestination{Name: in.Name, ARN: arn, Account: c.Account, Region: region, Description: in.Description,
		ConnectionARN: in.ConnectionARN, Endpoint: in.Endpoint, Method: in.Method, RateLimit: in.RateLimit, State: "ACTIVE",
		Created: now, Modified: now}
	err = s.cfg.Store.Update(ctx, func(tx meta.Tx) error {
		if _, err := connectionByARN(tx, in.ConnectionARN); err != nil {
			return err
		}
		b, _ := json.Marshal(d)
		if err := tx.Insert(tableDests, key(c.Account, region, in.Name), b); errors.Is(err, meta.ErrExists) {
			return exists("An api-destination '%s' already exists.", in.Name)
		} else if err != nil {
			return err
		}
		return nil
	})
	return d, err
}

// connectionByARN reads a connection named by its ARN.
func connectionByARN(tx meta.Tx, arn string) (*Connection, error) {
	parts := strings.SplitN(arn, ":", 6)
	if len(parts) != 6 || !strings.HasPrefix(parts[5], "connection/") {
		return nil, validation("%q is not a connection ARN.", arn)
	}
	name, _, _ := strings.Cut(strings.TrimPrefix(parts[5], "connection/"), "/")
	conn, err := getConnection(tx, parts[4], parts[3], name)
	if err != nil {
		return nil, err
	}
	if conn.ARN != arn {
		return nil, notFound("Connection %s does not exist.", arn)
	}
	return conn, nil
}

func getDestination(tx meta.Tx, account, region, name string) (*APIDestination, error) {
	b, err := tx.Get(tableDests, key(account, region, name))
	if errors.Is(err, meta.ErrNotFound) {
		return nil, notFound("Failed to describe the api-destination(s). An api-destination '%s' does not exist.", name)
	}
	if err != nil {
		return nil, err
	}
	d := &APIDestination{}
	return d, json.Unmarshal(b, d)
}

func (s *Service) destinationOp(ctx context.Context, c *actor.Caller, action, name string) (*APIDestination, error) {
	region := s.region(c)
	var d *APIDestination
	err := s.cfg.Store.View(ctx, func(tx meta.Tx) error {
		var err error
		d, err = getDestination(tx, c.Account, region, name)
		return err
	})
	arn := wildARN(region, c.Account, "api-destination", name)
	if d != nil {
		arn = d.ARN
	}
	if err := s.check(ctx, c, action, arn, "", nil); err != nil {
		return nil, err
	}
	return d, err
}

// DescribeAPIDestination returns an API destination.
func (s *Service) DescribeAPIDestination(ctx context.Context, c *actor.Caller, name string) (*APIDestination, error) {
	return s.destinationOp(ctx, c, "events:DescribeApiDestination", name)
}

// DeleteAPIDestination deletes an API destination.
func (s *Service) DeleteAPIDestination(ctx context.Context, c *actor.Caller, name string) error {
	d, err := s.destinationOp(ctx, c, "events:DeleteApiDestination", name)
	if err != nil {
		return err
	}
	return s.cfg.Store.Update(ctx, func(tx meta.Tx) error { return tx.Delete(tableDests, key(c.Account, d.Region, name)) })
}

// ListAPIDestinations lists the caller's API destinations whose names start with prefix.
func (s *Service) ListAPIDestinations(ctx context.Context, c *actor.Caller, prefix string) ([]*APIDestination, error) {
	if err := s.check(ctx, c, "events:ListApiDestinations", "*", "", nil); err != nil {
		return nil, err
	}
	return scanAll[APIDestination](ctx, s, tableDests, key(c.Account, s.region(c), prefix))
}

func validMethod(m string) bool {
	switch m {
	case "POST", "GET", "HEAD", "OPTIONS", "PUT", "PATCH", "DELETE":
		return true
	}
	return false
}
