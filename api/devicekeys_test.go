package api_test

import (
	"strings"
	"testing"

	"github.com/ecotax/ecotax/api"
	"github.com/ecotax/ecotax/store"
	"github.com/ecotax/ecotax/store/storetest"
)

// TestDeviceKeyNeverEchoed: the key sent is not in the answer, the listing
// or the audit log; a bad key is refused naming the field, not the key.
func TestDeviceKeyNeverEchoed(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		e := newEnv(t, db, api.Config{})
		setupWorld(t, e)
		const key = "5c1d9e7a3b2f4c6d8e0a1b2c3d4e5f60"
		r := must(t, e.do("env_officer", "PUT", "/v1/monitoring/devices/MN-K1/key", obj{"key": key}, nil), 200)
		var info struct {
			Seq         int
			Fingerprint string
		}
		r.json(t, &info)
		if info.Seq != 1 || len(info.Fingerprint) != 16 || strings.Contains(strings.ToLower(string(r.body)), key) {
			t.Fatalf("%s", r.body)
		}
		must(t, e.do("admin", "PUT", "/v1/monitoring/devices/MN-K1/key", obj{"key": "rotated-key-0016"}, nil), 200)
		l := must(t, e.do("admin", "GET", "/v1/monitoring/devices/MN-K1/keys", nil, nil), 200)
		if strings.Contains(strings.ToLower(string(l.body)), key) || strings.Contains(string(l.body), "rotated-key-0016") || !strings.Contains(string(l.body), `"seq":2`) {
			t.Fatalf("%s", l.body)
		}
		a := must(t, e.do("admin", "GET", "/v1/audit?entity=device_key", nil, nil), 200)
		if strings.Contains(strings.ToLower(string(a.body)), key) || strings.Contains(string(a.body), "rotated-key-0016") || !strings.Contains(string(a.body), info.Fingerprint) {
			t.Fatalf("audit: %s", a.body)
		}
		bad := e.do("env_officer", "PUT", "/v1/monitoring/devices/MN-K1/key", obj{"key": "secret-but-short"[:12]}, nil)
		if bad.status != 400 || strings.Contains(string(bad.body), "secret-but-") || !strings.Contains(string(bad.body), `"key"`) {
			t.Fatalf("%d %s", bad.status, bad.body)
		}
		bad.problem(t)
		if r := e.do("tax_officer", "PUT", "/v1/monitoring/devices/MN-K1/key", obj{"key": key}, nil); r.status != 403 {
			t.Fatalf("a tax officer: %d", r.status)
		}
	})
}
