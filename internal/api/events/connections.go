package events

import (
	"context"

	"github.com/seclake/seclake/internal/api"
	"github.com/seclake/seclake/internal/awsproto"
	"github.com/seclake/seclake/internal/eventbus"
)

type connHTTPParams struct {
	HeaderParameters      []keyValue `json:",omitempty"`
	QueryStringParameters []keyValue `json:",omitempty"`
	BodyParameters        []keyValue `json:",omitempty"`
}

func (p *connHTTPParams) domain() *eventbus.HTTPParameters {
	if p == nil {
		return nil
	}
	out := &eventbus.HTTPParameters{HeaderParameters: map[string]string{}, QueryStringParameters: map[string]string{}}
	for _, kv := range p.HeaderParameters {
		out.HeaderParameters[kv.Key] = kv.Value
	}
	for _, kv := range p.QueryStringParameters {
		out.QueryStringParameters[kv.Key] = kv.Value
	}
	return out
}

type authParams struct {
	ApiKeyAuthParameters *struct{ ApiKeyName, ApiKeyValue string } `json:",omitempty"`
	BasicAuthParameters  *struct{ Username, Password string }      `json:",omitempty"`
	OAuthParameters      *struct {
		ClientParameters      *struct{ ClientID, ClientSecret string } `json:",omitempty"`
		AuthorizationEndpoint string
		HttpMethod            string
		OAuthHttpParameters   *connHTTPParams `json:",omitempty"`
	} `json:",omitempty"`
	InvocationHttpParameters *connHTTPParams `json:",omitempty"`
}

func (a *authParams) domain() eventbus.ConnectionAuth {
	var out eventbus.ConnectionAuth
	if a == nil {
		return out
	}
	if k := a.ApiKeyAuthParameters; k != nil {
		out.APIKeyName, out.APIKeyValue = k.ApiKeyName, k.ApiKeyValue
	}
	if b := a.BasicAuthParameters; b != nil {
		out.Username, out.Password = b.Username, b.Password
	}
	if o := a.OAuthParameters; o != nil {
		out.AuthorizationEndpoint, out.HTTPMethod = o.AuthorizationEndpoint, o.HttpMethod
		if o.ClientParameters != nil {
			out.ClientID, out.ClientSecret = o.ClientParameters.ClientID, o.ClientParameters.ClientSecret
		}
		out.OAuthParameters = o.OAuthHttpParameters.domain()
	}
	out.InvocationParameters = a.InvocationHttpParameters.domain()
	return out
}

type createConnectionIn struct {
	Name, Description, AuthorizationType, KmsKeyIdentifier string
	AuthParameters                                         *authParams
}

type connectionStateOut struct {
	ConnectionArn    string
	ConnectionState  string
	CreationTime     *awsproto.Timestamp `json:",omitempty"`
	LastModifiedTime *awsproto.Timestamp `json:",omitempty"`
}

func stateOf(c *eventbus.Connection) *connectionStateOut {
	return &connectionStateOut{ConnectionArn: c.ARN, ConnectionState: c.State, CreationTime: ts(c.Created), LastModifiedTime: ts(c.Modified)}
}

func (h *handler) createConnection(ctx context.Context, c *api.Call, in *createConnectionIn) (*connectionStateOut, error) {
	// The trail records the call without its secrets, whether it succeeds or not.
	c.Audit.RequestParameters = map[string]string{"name": in.Name, "authorizationType": in.AuthorizationType}
	conn, err := h.svc.CreateConnection(ctx, c.Caller, in.Name, in.Description, in.AuthorizationType, in.AuthParameters.domain())
	if err != nil {
		return nil, err
	}
	return stateOf(conn), nil
}

// connectionOut is DescribeConnection's output, without secrets.
type connectionOut struct {
	ConnectionArn, Name, ConnectionState, AuthorizationType string
	Description                                             string `json:",omitempty"`
	AuthParameters                                          map[string]any
	CreationTime, LastModifiedTime, LastAuthorizedTime      *awsproto.Timestamp `json:",omitempty"`
}

func (h *handler) describeConnection(ctx context.Context, c *api.Call, in *nameIn) (*connectionOut, error) {
	conn, err := h.svc.DescribeConnection(ctx, c.Caller, in.Name)
	if err != nil {
		return nil, err
	}
	p := conn.Public
	auth := map[string]any{}
	switch conn.AuthorizationType {
	case eventbus.AuthAPIKey:
		auth["ApiKeyAuthParameters"] = map[string]string{"ApiKeyName": p.APIKeyName}
	case eventbus.AuthBasic:
		auth["BasicAuthParameters"] = map[string]string{"Username": p.Username}
	case eventbus.AuthOAuth:
		auth["OAuthParameters"] = map[string]any{"ClientParameters": map[string]string{"ClientID": p.ClientID},
			"AuthorizationEndpoint": p.AuthorizationEndpoint, "HttpMethod": p.HTTPMethod}
	}
	return &connectionOut{ConnectionArn: conn.ARN, Name: conn.Name, ConnectionState: conn.State, AuthorizationType: conn.AuthorizationType,
		Description: conn.Description, AuthParameters: auth, CreationTime: ts(conn.Created), LastModifiedTime: ts(conn.Modified),
		LastAuthorizedTime: ts(conn.Modified)}, nil
}

type listIn struct {
	NamePrefix, ConnectionState, ConnectionArn, NextToken string
	Limit                                                 int
}

type listConnectionsOut struct{ Connections []connectionStateOut }

func (h *handler) listConnections(ctx context.Context, c *api.Call, in *listIn) (*listConnectionsOut, error) {
	conns, err := h.svc.ListConnections(ctx, c.Caller, in.NamePrefix)
	if err != nil {
		return nil, err
	}
	out := &listConnectionsOut{Connections: []connectionStateOut{}}
	for _, conn := range conns {
		out.Connections = append(out.Connections, *stateOf(conn))
	}
	return out, nil
}

func (h *handler) deleteConnection(ctx context.Context, c *api.Call, in *nameIn) (*connectionStateOut, error) {
	conn, err := h.svc.DeleteConnection(ctx, c.Caller, in.Name)
	if err != nil {
		return nil, err
	}
	return stateOf(conn), nil
}

type createAPIDestinationIn struct {
	Name, Description, ConnectionArn, InvocationEndpoint, HttpMethod string
	InvocationRateLimitPerSecond                                     int
}

// destinationOut is the ApiDestination shape and the outputs of the API destination operations.
type destinationOut struct {
	ApiDestinationArn            string
	ApiDestinationState          string
	Name                         string              `json:",omitempty"`
	Description                  string              `json:",omitempty"`
	ConnectionArn                string              `json:",omitempty"`
	InvocationEndpoint           string              `json:",omitempty"`
	HttpMethod                   string              `json:",omitempty"`
	InvocationRateLimitPerSecond int                 `json:",omitempty"`
	CreationTime                 *awsproto.Timestamp `json:",omitempty"`
	LastModifiedTime             *awsproto.Timestamp `json:",omitempty"`
}

func destOf(d *eventbus.APIDestination) *destinationOut {
	return &destinationOut{ApiDestinationArn: d.ARN, ApiDestinationState: d.State, Name: d.Name, Description: d.Description,
		ConnectionArn: d.ConnectionARN, InvocationEndpoint: d.Endpoint, HttpMethod: d.Method, InvocationRateLimitPerSecond: d.RateLimit,
		CreationTime: ts(d.Created), LastModifiedTime: ts(d.Modified)}
}

func (h *handler) createAPIDestination(ctx context.Context, c *api.Call, in *createAPIDestinationIn) (*destinationOut, error) {
	d, err := h.svc.CreateAPIDestination(ctx, c.Caller, eventbus.APIDestinationInput{Name: in.Name, Description: in.Description,
		ConnectionARN: in.ConnectionArn, Endpoint: in.InvocationEndpoint, Method: in.HttpMethod, RateLimit: in.InvocationRateLimitPerSecond})
	if err != nil {
		return nil, err
	}
	return destOf(d), nil
}

func (h *handler) describeAPIDestination(ctx context.Context, c *api.Call, in *nameIn) (*destinationOut, error) {
	d, err := h.svc.DescribeAPIDestination(ctx, c.Caller, in.Name)
	if err != nil {
		return nil, err
	}
	return destOf(d), nil
}

type listDestinationsOut struct{ ApiDestinations []destinationOut }

func (h *handler) listAPIDestinations(ctx context.Context, c *api.Call, in *listIn) (*listDestinationsOut, error) {
	ds, err := h.svc.ListAPIDestinations(ctx, c.Caller, in.NamePrefix)
	if err != nil {
		return nil, err
	}
	out := &listDestinationsOut{ApiDestinations: []destinationOut{}}
	for _, d := range ds {
		out.ApiDestinations = append(out.ApiDestinations, *destOf(d))
	}
	return out, nil
}

func (h *handler) deleteAPIDestination(ctx context.Context, c *api.Call, in *nameIn) (*empty, error) {
	return &empty{}, h.svc.DeleteAPIDestination(ctx, c.Caller, in.Name)
}

func (h *handler) updateConnection(ctx context.Context, c *api.Call, in *createConnectionIn) (*connectionStateOut, error) {
	c.Audit.RequestParameters = map[string]string{"name": in.Name, "authorizationType": in.AuthorizationType}
	conn, err := h.svc.UpdateConnection(ctx, c.Caller, in.Name, in.Description, in.AuthorizationType, in.AuthParameters.domain())
	if err != nil {
		return nil, err
	}
	return stateOf(conn), nil
}

func (h *handler) updateAPIDestination(ctx context.Context, c *api.Call, in *createAPIDestinationIn) (*destinationOut, error) {
	d, err := h.svc.UpdateAPIDestination(ctx, c.Caller, eventbus.APIDestinationInput{Name: in.Name, Description: in.Description,
		ConnectionARN: in.ConnectionArn, Endpoint: in.InvocationEndpoint, Method: in.HttpMethod, RateLimit: in.InvocationRateLimitPerSecond})
	if err != nil {
		return nil, err
	}
	return destOf(d), nil
}
