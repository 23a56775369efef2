package eventbus

import "context"

// Observer hears of the outcome of deliveries: Delivered after a successful one, Failed after each failed attempt
// (the failure's State says whether it is retried). Services that route their own events through rules (Security
// Lake's HTTPS notifications) use it to tell their users of an endpoint that does not answer. It is called from
// the delivery loop, after the outcome is decided, and should be quick.
type Observer interface {
	Delivered(ctx context.Context, account, region, rule string)
	Failed(ctx context.Context, f Failure)
}

// SetObserver sets the observer of deliveries (nil for none).
func (s *Service) SetObserver(o Observer) {
	if o == nil {
		s.observer.Store(nil)
		return
	}
	s.observer.Store(&o)
}

func (s *Service) observe() Observer {
	if o := s.observer.Load(); o != nil {
		return *o
	}
	return nil
}

// tell gives the observer a failure, without its sealed event.
func (s *Service) tell(ctx context.Context, f *Failure) {
	if o := s.observe(); o != nil {
		c := *f
		c.Sealed, c.Target = nil, nil
		o.Failed(ctx, c)
	}
}
