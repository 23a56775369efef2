package source

import "github.com/seclake/seclake/internal/ocsf"

// Clouds hands out the cloud objects of events (provider AWS, an account and a region), shared between the
// events of one call of Normalize that have the same account and region: events are read-only. The account
// and region of the object (from its delivery path) stand in for those a record lacks.
type Clouds struct {
	m map[[2]string]*ocsf.Cloud
}

// maxClouds bounds the cloud objects a Clouds shares; past it they are made anew.
const maxClouds = 256

// Of returns the cloud of a record with account and region (either may be ""), in obj.
func (c *Clouds) Of(obj Object, account, region string) *ocsf.Cloud {
	if account == "" {
		account = obj.Account
	}
	if region == "" {
		region = obj.Region
	}
	key := [2]string{account, region}
	if cl, ok := c.m[key]; ok {
		return cl
	}
	cl := &ocsf.Cloud{Provider: "AWS", Region: region}
	if account != "" {
		cl.Account = &ocsf.Account{UID: account}
	}
	if c.m == nil {
		c.m = map[[2]string]*ocsf.Cloud{}
	}
	if len(c.m) < maxClouds {
		c.m[key] = cl
	}
	return cl
}
