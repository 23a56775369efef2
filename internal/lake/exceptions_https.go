package lake

import (
	"context"
	"errors"

	"github.com/seclake/seclake/internal/actor"
	"github.com/seclake/seclake/internal/meta"
)

// tableExceptionRoute holds where an account's HTTPS exception subscription's rule is: account → exceptionRoute.
const tableExceptionRoute = "lake.exceptionroute"

// exceptionRoute is the region of the EventBridge rule that delivers an account's exceptions over HTTPS.
type exceptionRoute struct {
	Region string `json:"region"`
}

// exceptionKeyHeader is the API key header of exception deliveries: the account's ID, so that the endpoint can
// tell whose exceptions arrive.
const exceptionKeyHeader = "X-Amz-Security-Lake-Account"

func isHTTP(protocol string) bool { return protocol == "https" || protocol == "http" }

// routeExceptions creates what delivers the account's exceptions to sub's HTTPS endpoint, as the caller acting
// through Security Lake, in the caller's region: each exception's JSON (the DataLakeException, as the SQS
// protocol sends it) is POSTed there.
func (s *Service) routeExceptions(ctx context.Context, c *actor.Caller, sub ExceptionSubscription) error {
	if s.cfg.Endpoints == nil {
		return badRequest("HTTPS exception subscriptions are not available on this server.")
	}
	region := s.region(c)
	err := s.cfg.Endpoints.EnsureEndpoint(ctx, s.forCaller(c, region), exceptionsEndpoint, Endpoint{Region: region, URL: sub.Endpoint,
		Method: "POST", APIKeyName: exceptionKeyHeader, APIKeyValue: c.Account, Pattern: exceptionPattern, InputPath: "$.detail"})
	if err != nil {
		return asLake(err, "create the exception subscription's EventBridge API destination")
	}
	return s.cfg.Store.Update(ctx, func(tx meta.Tx) error {
		return putJSON(tx, tableExceptionRoute, c.Account, exceptionRoute{Region: region})
	})
}

// unrouteExceptions removes what delivered the account's exceptions over HTTPS, if anything does.
func (s *Service) unrouteExceptions(ctx context.Context, c *actor.Caller) error {
	var r exceptionRoute
	found := false
	err := s.cfg.Store.View(ctx, func(tx meta.Tx) error {
		var err error
		found, err = getJSON(tx, tableExceptionRoute, c.Account, &r)
		return err
	})
	if err != nil || !found || s.cfg.Endpoints == nil {
		return err
	}
	if err := s.cfg.Endpoints.DeleteEndpoint(ctx, s.forCaller(c, r.Region), exceptionsEndpoint, r.Region); err != nil {
		return asLake(err, "delete the exception subscription's EventBridge API destination")
	}
	return s.cfg.Store.Update(ctx, func(tx meta.Tx) error {
		if err := tx.Delete(tableExceptionRoute, c.Account); err != nil && !errors.Is(err, meta.ErrNotFound) {
			return err
		}
		return nil
	})
}

// deliverHTTPS puts an exception on the default bus of the region of the account's exception rule, which sends
// it to the subscription's endpoint (durably, with retries). A failure is logged; the exception stays listed.
func (s *Service) deliverHTTPS(ctx context.Context, account string, e Exception, body string) {
	if s.cfg.Endpoints == nil {
		return
	}
	var r exceptionRoute
	found := false
	err := s.cfg.Store.View(ctx, func(tx meta.Tx) error {
		var err error
		found, err = getJSON(tx, tableExceptionRoute, account, &r)
		return err
	})
	if err == nil && found {
		err = s.cfg.Endpoints.PutEvent(ctx, account, r.Region, Event{Source: "aws.securitylake", DetailType: "Security Lake Exception",
			Detail: body, Resources: []string{LakeARN(e.Region, account)}})
	}
	if err != nil {
		s.cfg.Logger.Warn("data lake exception not delivered to the HTTPS exception subscription", "account", account, "error", err)
	}
}
