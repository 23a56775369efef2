package lake

import (
	"context"
	"encoding/binary"
	"encoding/hex"
	"encoding/json"
	"errors"
	"slices"
	"strconv"
	"time"

	"github.com/seclake/seclake/internal/actor"
	"github.com/seclake/seclake/internal/meta"
)

const (
	tableExceptions   = "lake.exceptions"   // account/<time, big-endian hex>/<region> → Exception
	tableExceptionSub = "lake.exceptionsub" // account → ExceptionSubscription
)

// addException records a failure of the account's lake in region for ListDataLakeExceptions.
func (s *Service) addException(tx meta.Tx, account, region, exception, remediation string) (Exception, error) {
	now := s.cfg.Clock.Now().UTC()
	var b [8]byte
	binary.BigEndian.PutUint64(b[:], uint64(now.UnixNano()))
	k := key(account, hex.EncodeToString(b[:]), region)
	e := Exception{Region: region, Exception: exception, Remediation: remediation, Timestamp: now}
	return e, putJSON(tx, tableExceptions, k, e)
}

// deliverException sends an exception to the account's exception subscription: with protocol "sqs" (the
// endpoint a queue ARN) as Security Lake's service principal, so the queue's policy decides; with "https" (or
// "http") through the subscription's EventBridge rule, durably with retries (deliverHTTPS). Other protocols are
// stored, not delivered. A refusal is logged with the reason; the exception stays listed.
func (s *Service) deliverException(ctx context.Context, account string, e Exception) {
	var sub ExceptionSubscription
	found := false
	err := s.cfg.Store.View(ctx, func(tx meta.Tx) error {
		var err error
		found, err = getJSON(tx, tableExceptionSub, account, &sub)
		return err
	})
	if err != nil || !found {
		return
	}
	body, err := json.Marshal(e)
	if err != nil {
		return
	}
	if isHTTP(sub.Protocol) {
		s.deliverHTTPS(ctx, account, e, string(body))
		return
	}
	if sub.Protocol != "sqs" {
		return
	}
	sp := actor.ServicePrincipal(EventSource, e.Region, s.cfg.Clock.Now(), actor.Source{ARN: LakeARN(e.Region, account), Account: account})
	if s.cfg.Queues == nil {
		return
	}
	if err := s.cfg.Queues.SendAs(ctx, sp, sub.Endpoint, string(body)); err != nil {
		s.cfg.Logger.Warn("data lake exception not delivered to the exception subscription", "account", account,
			"endpoint", sub.Endpoint, "error", err)
	}
}

// live reports whether an exception is within the subscription's time to live (days; none: always).
func live(e Exception, ttl *int64, now time.Time) bool {
	return ttl == nil || now.Sub(e.Timestamp) <= time.Duration(*ttl)*24*time.Hour
}

// ListDataLakeExceptions returns the failures the account's lakes hit in the given regions (all when none),
// newest first, a page at a time.
func (s *Service) ListDataLakeExceptions(ctx context.Context, c *actor.Caller, regions []string, token string, max *int) ([]Exception, string, error) {
	if err := s.check(ctx, c, "securitylake:ListDataLakeExceptions", LakeARN(s.region(c), c.Account)); err != nil {
		return nil, "", err
	}
	var f fields
	f.regions("regions", regions)
	if f.err != nil {
		return nil, "", f.err
	}
	var items []keyed[Exception]
	err := s.cfg.Store.View(ctx, func(tx meta.Tx) error {
		var sub ExceptionSubscription
		if _, err := getJSON(tx, tableExceptionSub, c.Account, &sub); err != nil {
			return err
		}
		now := s.cfg.Clock.Now()
		all, err := scanJSON[Exception](tx, tableExceptions, c.Account+"/")
		for i, e := range all {
			if (len(regions) == 0 || slices.Contains(regions, e.Region)) && live(e, sub.TimeToLive, now) {
				// newest first: the key counts time down
				k := hex.EncodeToString(binary.BigEndian.AppendUint64(nil, ^uint64(e.Timestamp.UnixNano()))) + "/" + e.Region + "/" + strconv.Itoa(i)
				items = append(items, keyed[Exception]{key: k, item: e})
			}
		}
		return err
	})
	if err != nil {
		return nil, "", err
	}
	return page(items, token, max)
}

// ExceptionSubscription is where the account hears of its lakes' exceptions.
type ExceptionSubscription struct {
	Protocol   string `json:"subscriptionProtocol"`
	Endpoint   string `json:"notificationEndpoint"`
	TimeToLive *int64 `json:"exceptionTimeToLive,omitempty"`
}

// PutExceptionSubscription creates (create true) or replaces the account's exception subscription. With protocol
// https (or http) it creates, in the caller's region, an EventBridge connection, API destination and rule named
// AmazonSecurityLake-Exceptions that deliver each new exception to the endpoint (deliverException).
func (s *Service) PutExceptionSubscription(ctx context.Context, c *actor.Caller, create bool, sub ExceptionSubscription) error {
	action := "securitylake:UpdateDataLakeExceptionSubscription"
	if create {
		action = "securitylake:CreateDataLakeExceptionSubscription"
	}
	if err := s.check(ctx, c, action, LakeARN(s.region(c), c.Account)); err != nil {
		return err
	}
	var f fields
	f.required("subscriptionProtocol", sub.Protocol, reProtocol)
	f.required("notificationEndpoint", sub.Endpoint, reSafe)
	if sub.TimeToLive != nil && *sub.TimeToLive < 1 {
		f.fail("Value '%d' at 'exceptionTimeToLive' failed to satisfy constraint: Member must have value greater than or equal to 1.", *sub.TimeToLive)
	}
	if isHTTP(sub.Protocol) {
		f.required("notificationEndpoint", sub.Endpoint, reHTTPS)
	}
	if f.err != nil {
		return f.err
	}
	present := func(tx meta.Tx) error {
		var old ExceptionSubscription
		found, err := getJSON(tx, tableExceptionSub, c.Account, &old)
		switch {
		case err != nil:
			return err
		case create && found:
			return conflict("DataLakeExceptionSubscription", c.Account, "The account %s already has an exception subscription: update it instead.", c.Account)
		case !create && !found:
			return notFound("DataLakeExceptionSubscription", c.Account, "The account %s has no exception subscription.", c.Account)
		}
		return nil
	}
	if err := s.cfg.Store.View(ctx, present); err != nil {
		return err
	}
	// The delivery first, as the caller: a refusal leaves the subscription as it was.
	route := s.unrouteExceptions
	if isHTTP(sub.Protocol) {
		route = func(ctx context.Context, c *actor.Caller) error { return s.routeExceptions(ctx, c, sub) }
	}
	if err := route(ctx, c); err != nil {
		return err
	}
	return s.cfg.Store.Update(ctx, func(tx meta.Tx) error {
		if err := present(tx); err != nil {
			return err
		}
		return putJSON(tx, tableExceptionSub, c.Account, sub)
	})
}

// GetExceptionSubscription returns the account's exception subscription.
func (s *Service) GetExceptionSubscription(ctx context.Context, c *actor.Caller) (*ExceptionSubscription, error) {
	if err := s.check(ctx, c, "securitylake:GetDataLakeExceptionSubscription", LakeARN(s.region(c), c.Account)); err != nil {
		return nil, err
	}
	var sub ExceptionSubscription
	err := s.cfg.Store.View(ctx, func(tx meta.Tx) error {
		found, err := getJSON(tx, tableExceptionSub, c.Account, &sub)
		if err == nil && !found {
			err = notFound("DataLakeExceptionSubscription", c.Account, "The account %s has no exception subscription.", c.Account)
		}
		return err
	})
	if err != nil {
		return nil, err
	}
	return &sub, nil
}

// DeleteExceptionSubscription removes the account's exception subscription.
func (s *Service) DeleteExceptionSubscription(ctx context.Context, c *actor.Caller) error {
	if err := s.check(ctx, c, "securitylake:DeleteDataLakeExceptionSubscription", LakeARN(s.region(c), c.Account)); err != nil {
		return err
	}
	if err := s.unrouteExceptions(ctx, c); err != nil {
		return err
	}
	return s.cfg.Store.Update(ctx, func(tx meta.Tx) error {
		err := tx.Delete(tableExceptionSub, c.Account)
		if errors.Is(err, meta.ErrNotFound) {
			return notFound("DataLakeExceptionSubscription", c.Account, "The account %s has no exception subscription.", c.Account)
		}
		return err
	})
}
