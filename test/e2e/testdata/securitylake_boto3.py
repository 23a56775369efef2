"""Every Security Lake operation through boto3 against seclake (phase 2: the lakes exist and are COMPLETED).

Reads ENDPOINT and the credentials from the environment; prints OK when every check held."""
import json
import os
import sys

import boto3
import botocore.config
import botocore.exceptions

ep = os.environ["ENDPOINT"]
account = os.environ["ACCOUNT"]
region = "us-east-1"
sl = boto3.client("securitylake", endpoint_url=ep, region_name=region)
iam = boto3.client("iam", endpoint_url=ep, region_name=region)
sqs = boto3.client("sqs", endpoint_url=ep, region_name=region)
s3 = boto3.client("s3", endpoint_url=ep, region_name=region)


def fails(code, fn, **kw):
    try:
        fn(**kw)
    except botocore.exceptions.ClientError as e:
        assert e.response["Error"]["Code"] == code, (code, e.response)
        return e.response
    raise AssertionError("expected %s from %s" % (code, fn.__name__))


lakes = sl.list_data_lakes()["dataLakes"]
assert sorted(l["region"] for l in lakes) == ["eu-west-1", "us-east-1", "us-west-2"], lakes
assert all(l["createStatus"] == "COMPLETED" for l in lakes), lakes
lake_arn = "arn:aws:securitylake:us-east-1:%s:data-lake/default" % account
bucket = [l for l in lakes if l["region"] == region][0]["s3BucketArn"].split(":::")[1]

up = sl.update_data_lake(configurations=[{"region": region, "lifecycleConfiguration": {
    "expiration": {"days": 365}, "transitions": [{"days": 30, "storageClass": "STANDARD_IA"}]}}])
assert up["dataLakes"][0]["updateStatus"]["status"] == "INITIALIZED", up
assert up["dataLakes"][0]["lifecycleConfiguration"]["expiration"]["days"] == 365
fails("BadRequestException", sl.update_data_lake, configurations=[{"region": "xx-nowhere-1"}])

# Sources: 8 names, versions as the model allows, accounts outside the organization fail.
res = sl.create_aws_log_source(sources=[
    {"regions": ["us-east-1", "eu-west-1", "us-west-2"], "sourceName": "VPC_FLOW", "sourceVersion": "2.0"},
    {"regions": ["us-east-1"], "sourceName": "CLOUD_TRAIL_MGMT"},
    {"regions": ["us-east-1"], "sourceName": "SH_FINDINGS", "sourceVersion": "1.0"},
    {"regions": ["us-east-1"], "sourceName": "ROUTE53", "accounts": [account, "999999999999"]},
])
assert res["failed"] == ["999999999999"], res
fails("BadRequestException", sl.create_aws_log_source, sources=[{"regions": ["us-east-1"], "sourceName": "EKS_AUDIT", "sourceVersion": "1.0"}])
fails("BadRequestException", sl.create_aws_log_source, sources=[{"regions": ["us-east-1"], "sourceName": "NOPE"}])
fails("ResourceNotFoundException", sl.create_aws_log_source, sources=[{"regions": ["sa-east-1"], "sourceName": "WAF"}])

pages = list(sl.get_paginator("list_log_sources").paginate(PaginationConfig={"PageSize": 1}))
assert len(pages) == 3, pages
groups = [g for p in pages for g in p["sources"]]
assert sorted(g["region"] for g in groups) == ["eu-west-1", "us-east-1", "us-west-2"], groups
use1 = [g for g in groups if g["region"] == region][0]
names = sorted(s["awsLogSource"]["sourceName"] for s in use1["sources"])
assert names == ["CLOUD_TRAIL_MGMT", "ROUTE53", "SH_FINDINGS", "VPC_FLOW"], names
filtered = sl.list_log_sources(regions=["eu-west-1"], sources=[{"awsLogSource": {"sourceName": "VPC_FLOW"}}])["sources"]
assert len(filtered) == 1 and filtered[0]["region"] == "eu-west-1", filtered

pages = list(sl.get_paginator("get_data_lake_sources").paginate(PaginationConfig={"PageSize": 3}))
assert len(pages) == 2, pages
srcs = [s for p in pages for s in p["dataLakeSources"]]
assert len(srcs) == 4 and pages[0]["dataLakeArn"] == lake_arn, srcs
assert all(s["sourceStatuses"][0]["status"] == "NOT_COLLECTING" for s in srcs), srcs

res = sl.delete_aws_log_source(sources=[{"regions": ["us-east-1"], "sourceName": "ROUTE53", "accounts": ["999999999999"]},
                                        {"regions": ["us-east-1"], "sourceName": "SH_FINDINGS", "sourceVersion": "1.0"}])
assert res["failed"] == ["999999999999"], res

# A custom source: its location, and the provider role trusting the principal with the external ID.
crawler = iam.create_role(RoleName="SecurityLakeCrawler", AssumeRolePolicyDocument=json.dumps({"Version": "2012-10-17", "Statement": [
    {"Effect": "Allow", "Principal": {"Service": "glue.amazonaws.com"}, "Action": "sts:AssumeRole"}]}))["Role"]["Arn"]
cs = sl.create_custom_log_source(sourceName="suricata", sourceVersion="1.0", eventClasses=["NETWORK_ACTIVITY", "DNS_ACTIVITY"],
                                 configuration={"crawlerConfiguration": {"roleArn": crawler},
                                                "providerIdentity": {"principal": account, "externalId": "provider-ext"}})["source"]
assert cs["provider"]["location"] == "s3://%s/ext/suricata/1.0/" % bucket, cs
role = iam.get_role(RoleName="AmazonSecurityLake-Provider-suricata-us-east-1")["Role"]
assert role["Arn"] == cs["provider"]["roleArn"], (role, cs)
assert "provider-ext" in json.dumps(role["AssumeRolePolicyDocument"]), role
again = sl.create_custom_log_source(sourceName="suricata", sourceVersion="1.0", configuration={
    "crawlerConfiguration": {"roleArn": crawler}, "providerIdentity": {"principal": account, "externalId": "provider-ext"}})["source"]
assert again == cs, (again, cs)
custom = sl.list_log_sources(sources=[{"customLogSource": {"sourceName": "suricata"}}])["sources"]
assert custom[0]["sources"][0]["customLogSource"]["sourceName"] == "suricata", custom
fails("BadRequestException", sl.create_custom_log_source, sourceName="bad name", configuration={
    "crawlerConfiguration": {"roleArn": crawler}, "providerIdentity": {"principal": account, "externalId": "x1"}})

# Subscribers: the role reads only the subscribed prefixes; pages of two.
ids = []
for i in range(3):
    sub = sl.create_subscriber(subscriberName="siem-%d" % i, subscriberIdentity={"principal": account, "externalId": "ext-%d" % i},
                               sources=[{"awsLogSource": {"sourceName": "VPC_FLOW", "sourceVersion": "2.0"}}],
                               tags=[{"key": "team", "value": "soc"}])["subscriber"]
    assert sub["subscriberStatus"] == "ACTIVE" and sub["accessTypes"] == ["S3"], sub
    ids.append(sub["subscriberId"])
sub = sl.get_subscriber(subscriberId=ids[0])["subscriber"]
assert sub["roleArn"] == "arn:aws:iam::%s:role/AmazonSecurityLake-%s" % (account, ids[0]), sub
pol = iam.get_role_policy(RoleName="AmazonSecurityLake-" + ids[0], PolicyName="AmazonSecurityLakeSubscriberRead")["PolicyDocument"]
assert "arn:aws:s3:::%s/aws/VPC_FLOW/2.0/*" % bucket in json.dumps(pol), pol
ct = boto3.client("cloudtrail", endpoint_url=ep, region_name=region)
ev = ct.lookup_events(LookupAttributes=[{"AttributeKey": "EventName", "AttributeValue": "PutRolePolicy"}])["Events"]
rec = [json.loads(e["CloudTrailEvent"]) for e in ev if ids[0] in e["CloudTrailEvent"]]
assert rec and rec[0]["userIdentity"].get("invokedBy") == "securitylake.amazonaws.com", rec
pages = list(sl.get_paginator("list_subscribers").paginate(PaginationConfig={"PageSize": 2}))
assert [len(p["subscribers"]) for p in pages] == [2, 1], pages
upd = sl.update_subscriber(subscriberId=ids[0], subscriberName="siem-renamed",
                           sources=[{"awsLogSource": {"sourceName": "CLOUD_TRAIL_MGMT", "sourceVersion": "2.0"}}])["subscriber"]
assert upd["subscriberName"] == "siem-renamed", upd
pol = iam.get_role_policy(RoleName="AmazonSecurityLake-" + ids[0], PolicyName="AmazonSecurityLakeSubscriberRead")["PolicyDocument"]
assert "CLOUD_TRAIL_MGMT" in json.dumps(pol) and "VPC_FLOW" not in json.dumps(pol), pol
err = fails("ResourceNotFoundException", sl.get_subscriber, subscriberId="00000000-0000-4000-8000-000000000000")
assert err.get("resourceType") == "Subscriber", err
fails("BadRequestException", sl.get_subscriber, subscriberId="not-a-uuid")

# Notifications: an SQS queue with a dead-letter queue, then HTTPS, then none.
ep_sqs = sl.create_subscriber_notification(subscriberId=ids[1], configuration={"sqsNotificationConfiguration": {}})["subscriberEndpoint"]
qname = "AmazonSecurityLake-%s-Main-Queue" % ids[1]
assert ep_sqs == "arn:aws:sqs:us-east-1:%s:%s" % (account, qname), ep_sqs
qurl = sqs.get_queue_url(QueueName=qname)["QueueUrl"]
attrs = sqs.get_queue_attributes(QueueUrl=qurl, AttributeNames=["All"])["Attributes"]
assert "AmazonSecurityLake-%s-DLQ" % ids[1] in attrs["RedrivePolicy"] and "events.amazonaws.com" in attrs["Policy"], attrs
fails("ConflictException", sl.create_subscriber_notification, subscriberId=ids[1], configuration={"sqsNotificationConfiguration": {}})
ep_https = sl.update_subscriber_notification(subscriberId=ids[1], configuration={"httpsNotificationConfiguration": {
    "endpoint": "https://siem.example.com/hook", "targetRoleArn": crawler, "httpMethod": "POST",
    "authorizationApiKeyName": "X-Key", "authorizationApiKeyValue": "s3cr3t-api-key-value"}})["subscriberEndpoint"]
assert ep_https == "https://siem.example.com/hook", ep_https
trail = boto3.client("cloudtrail", endpoint_url=ep, region_name=region).lookup_events(
    LookupAttributes=[{"AttributeKey": "EventName", "AttributeValue": "UpdateSubscriberNotification"}])["Events"]
assert trail and all("s3cr3t-api-key-value" not in e["CloudTrailEvent"] for e in trail), "no API key on the trail"
assert "X-Key" in trail[0]["CloudTrailEvent"], trail[0]
fails("AWS.SimpleQueueService.NonExistentQueue", sqs.get_queue_url, QueueName=qname)
assert sl.get_subscriber(subscriberId=ids[1])["subscriber"]["subscriberEndpoint"] == ep_https
sl.delete_subscriber_notification(subscriberId=ids[1])
fails("ResourceNotFoundException", sl.delete_subscriber_notification, subscriberId=ids[1])

# Tags on subscribers and data lakes.
sarn = sl.get_subscriber(subscriberId=ids[2])["subscriber"]["subscriberArn"]
assert sl.list_tags_for_resource(resourceArn=sarn)["tags"] == [{"key": "team", "value": "soc"}]
sl.tag_resource(resourceArn=lake_arn, tags=[{"key": "env", "value": "prod"}, {"key": "owner", "value": "sec"}])
sl.untag_resource(resourceArn=lake_arn, tagKeys=["owner"])
assert sl.list_tags_for_resource(resourceArn=lake_arn)["tags"] == [{"key": "k", "value": "v"}, {"key": "env", "value": "prod"}], "tags of the create and of tag_resource"
fails("ResourceNotFoundException", sl.list_tags_for_resource, resourceArn="arn:aws:securitylake:us-east-1:%s:subscriber/00000000-0000-4000-8000-000000000000" % account)

# Exception subscription, exceptions, organization configuration, delegated administrator.
fails("ResourceNotFoundException", sl.get_data_lake_exception_subscription)
sl.create_data_lake_exception_subscription(subscriptionProtocol="https", notificationEndpoint="https://ops.example.com/lake", exceptionTimeToLive=30)
fails("ConflictException", sl.create_data_lake_exception_subscription, subscriptionProtocol="email", notificationEndpoint="ops@example.com")
sl.update_data_lake_exception_subscription(subscriptionProtocol="email", notificationEndpoint="ops@example.com")
got = sl.get_data_lake_exception_subscription()
assert got["subscriptionProtocol"] == "email" and got["notificationEndpoint"] == "ops@example.com", got
sl.delete_data_lake_exception_subscription()
pages = list(sl.get_paginator("list_data_lake_exceptions").paginate(regions=["us-east-1"]))
assert pages and all("exceptions" in p for p in pages), pages

sl.create_data_lake_organization_configuration(autoEnableNewAccount=[{"region": region, "sources": [
    {"sourceName": "VPC_FLOW", "sourceVersion": "2.0"}, {"sourceName": "CLOUD_TRAIL_MGMT", "sourceVersion": "2.0"}]}])
sl.delete_data_lake_organization_configuration(autoEnableNewAccount=[{"region": region, "sources": [{"sourceName": "VPC_FLOW"}]}])
cfg = sl.get_data_lake_organization_configuration()["autoEnableNewAccount"]
assert cfg == [{"region": region, "sources": [{"sourceName": "CLOUD_TRAIL_MGMT", "sourceVersion": "2.0"}]}], cfg
fails("BadRequestException", sl.register_data_lake_delegated_administrator, accountId=account)
fails("ResourceNotFoundException", sl.register_data_lake_delegated_administrator, accountId="999999999999")
fails("ResourceNotFoundException", sl.deregister_data_lake_delegated_administrator)

# A member account of the organization: sources from it are enabled, it can be the delegated administrator,
# and, as a subscriber's principal, it reads the subscribed prefixes (and only those) through the subscriber role.
org = boto3.client("organizations", endpoint_url=ep, region_name=region)
req = org.create_account(Email="lake-admin@example.com", AccountName="lake-admin")["CreateAccountStatus"]["Id"]
member = org.describe_create_account_status(CreateAccountRequestId=req)["CreateAccountStatus"]["AccountId"]
assert sl.create_aws_log_source(sources=[{"regions": [region], "sourceName": "WAF", "accounts": [member]}])["failed"] == []
assert member in [g["account"] for g in sl.list_log_sources(regions=[region])["sources"]]
sl.register_data_lake_delegated_administrator(accountId=member)
iam.create_user(UserName="lake-ops")
iam.put_user_policy(UserName="lake-ops", PolicyName="assume", PolicyDocument=json.dumps({"Version": "2012-10-17", "Statement": [
    {"Effect": "Allow", "Action": "sts:AssumeRole", "Resource": "*"}]}))
ak = iam.create_access_key(UserName="lake-ops")["AccessKey"]
sts = boto3.client("sts", endpoint_url=ep, region_name=region, aws_access_key_id=ak["AccessKeyId"], aws_secret_access_key=ak["SecretAccessKey"])
mc = sts.assume_role(RoleArn="arn:aws:iam::%s:role/OrganizationAccountAccessRole" % member, RoleSessionName="member")["Credentials"]
as_member = dict(endpoint_url=ep, region_name=region, aws_access_key_id=mc["AccessKeyId"], aws_secret_access_key=mc["SecretAccessKey"],
                 aws_session_token=mc["SessionToken"])
err = fails("AccessDeniedException", boto3.client("securitylake", **as_member).deregister_data_lake_delegated_administrator)
assert err.get("errorCode") == "AccessDenied" and "management account" in err["Error"]["Message"], err
sl.deregister_data_lake_delegated_administrator()

reader = sl.create_subscriber(subscriberName="member-reader", subscriberIdentity={"principal": member, "externalId": "reader-ext"},
                              sources=[{"awsLogSource": {"sourceName": "VPC_FLOW", "sourceVersion": "2.0"}}])["subscriber"]
fails("AccessDenied", boto3.client("sts", **as_member).assume_role, RoleArn=reader["roleArn"], RoleSessionName="reader", ExternalId="wrong")
rc = boto3.client("sts", **as_member).assume_role(RoleArn=reader["roleArn"], RoleSessionName="reader", ExternalId="reader-ext")["Credentials"]
rs3 = boto3.client("s3", endpoint_url=ep, region_name=region, aws_access_key_id=rc["AccessKeyId"], aws_secret_access_key=rc["SecretAccessKey"],
                   aws_session_token=rc["SessionToken"], config=botocore.config.Config(s3={"addressing_style": "path"}))
assert rs3.list_objects_v2(Bucket=bucket, Prefix="aws/VPC_FLOW/2.0/")["KeyCount"] == 0
fails("AccessDenied", rs3.list_objects_v2, Bucket=bucket, Prefix="aws/CLOUD_TRAIL_MGMT/2.0/")
sl.delete_subscriber(subscriberId=reader["subscriberId"])

# Security Lake creates the subscriber's role as the caller: securitylake:* alone is not enough, and a refusal
# leaves nothing behind.
iam.create_user(UserName="lake-only")
iam.put_user_policy(UserName="lake-only", PolicyName="lake", PolicyDocument=json.dumps({"Version": "2012-10-17", "Statement": [
    {"Effect": "Allow", "Action": "securitylake:*", "Resource": "*"}]}))
lk = iam.create_access_key(UserName="lake-only")["AccessKey"]
limited = boto3.client("securitylake", endpoint_url=ep, region_name=region, aws_access_key_id=lk["AccessKeyId"],
                       aws_secret_access_key=lk["SecretAccessKey"])
before = len(sl.list_subscribers()["subscribers"])
err = fails("AccessDeniedException", limited.create_subscriber, subscriberName="limited",
            subscriberIdentity={"principal": account, "externalId": "ext-l"}, sources=[{"awsLogSource": {"sourceName": "VPC_FLOW"}}])
assert "iam:" in err["Error"]["Message"] and "user/lake-only" in err["Error"]["Message"], err
assert len(limited.list_subscribers()["subscribers"]) == before
err = fails("AccessDeniedException", limited.create_data_lake, configurations=[{"region": "eu-central-1"}],
            metaStoreManagerRoleArn="arn:aws:iam::%s:role/AmazonSecurityLakeMetaStoreManager" % account)
assert "perform: iam:PassRole on resource" in err["Error"]["Message"], err

# Deleting: the subscriber's role goes; the lake goes from the list, its bucket and data stay.
sl.delete_subscriber(subscriberId=ids[0])
fails("NoSuchEntity", iam.get_role, RoleName="AmazonSecurityLake-" + ids[0])
sl.delete_custom_log_source(sourceName="suricata", sourceVersion="1.0")
fails("NoSuchEntity", iam.get_role, RoleName="AmazonSecurityLake-Provider-suricata-us-east-1")
sl.delete_data_lake(regions=["eu-west-1"])
assert sorted(l["region"] for l in sl.list_data_lakes()["dataLakes"]) == ["us-east-1", "us-west-2"]
fails("ResourceNotFoundException", sl.delete_data_lake, regions=["eu-west-1"])
eu = [b["Name"] for b in s3.list_buckets()["Buckets"] if b["Name"].startswith("aws-security-data-lake-eu-west-1-")]
assert len(eu) == 1, eu
print("OK")
