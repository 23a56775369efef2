package s3

import (
	"encoding/xml"

	"github.com/seclake/seclake/internal/objstore"
)

// notificationConfiguration is a NotificationConfiguration.
type notificationConfiguration struct {
	XMLName     xml.Name             `xml:"NotificationConfiguration"`
	XMLNS       string               `xml:"xmlns,attr,omitempty"`
	Topics      []notificationTarget `xml:"TopicConfiguration,omitempty"`
	Queues      []notificationTarget `xml:"QueueConfiguration,omitempty"`
	Functions   []notificationTarget `xml:"CloudFunctionConfiguration,omitempty"`
	EventBridge *struct{}            `xml:"EventBridgeConfiguration,omitempty"`
}

// notificationTarget is a TopicConfiguration, QueueConfiguration or CloudFunctionConfiguration.
type notificationTarget struct {
	ID       string              `xml:"Id,omitempty"`
	Topic    string              `xml:"Topic,omitempty"`
	Queue    string              `xml:"Queue,omitempty"`
	Function string              `xml:"CloudFunction,omitempty"`
	Events   []string            `xml:"Event"`
	Filter   *notificationFilter `xml:"Filter,omitempty"`
}

type notificationFilter struct {
	Rules []filterRule `xml:"S3Key>FilterRule"`
}

type filterRule struct {
	Name  string `xml:"Name"`
	Value string `xml:"Value"`
}

func (d *notificationConfiguration) domain() *objstore.Notification {
	target := func(t notificationTarget) objstore.NotificationTarget {
		return objstore.NotificationTarget{ID: t.ID, Topic: t.Topic, Queue: t.Queue, Function: t.Function, Events: t.Events,
			Filter: convertOpt(t.Filter, func(f notificationFilter) objstore.NotificationFilter {
				return objstore.NotificationFilter{Rules: convertAll(f.Rules, func(r filterRule) objstore.FilterRule { return objstore.FilterRule(r) })}
			})}
	}
	return &objstore.Notification{Topics: convertAll(d.Topics, target), Queues: convertAll(d.Queues, target),
		Functions: convertAll(d.Functions, target), EventBridge: d.EventBridge}
}

func notificationXML(n *objstore.Notification) *notificationConfiguration {
	target := func(t objstore.NotificationTarget) notificationTarget {
		return notificationTarget{ID: t.ID, Topic: t.Topic, Queue: t.Queue, Function: t.Function, Events: t.Events,
			Filter: convertOpt(t.Filter, func(f objstore.NotificationFilter) notificationFilter {
				return notificationFilter{Rules: convertAll(f.Rules, func(r objstore.FilterRule) filterRule { return filterRule(r) })}
			})}
	}
	return &notificationConfiguration{XMLNS: Namespace, Topics: convertAll(n.Topics, target), Queues: convertAll(n.Queues, target),
		Functions: convertAll(n.Functions, target), EventBridge: n.EventBridge}
}
