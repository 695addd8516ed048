package upgrade

import (
	"reflect"
	"testing"
)

// The table must say what MacStadium's "Orka upgrades" page says, aspect by aspect.
func TestTableMatchesMacStadiumsPage(t *testing.T) {
	cases := []struct {
		typ  Type
		want map[Aspect]Effect // aspects not named persist
	}{
		{Release, map[Aspect]Effect{ServiceAccountTokens: MustBeRegenerated, VMs: MayBeDeleted, ImageCache: Removed}},
		{Infrastructure, map[Aspect]Effect{
			ServiceAccountTokens: MustBeRegenerated, VMs: Deleted, RegistryCredentials: Lost,
			ImageCache: Removed, CustomPodsAndServices: Lost,
		}},
		{Patch, map[Aspect]Effect{}},
	}
	for _, c := range cases {
		t.Run(string(c.typ), func(t *testing.T) {
			for _, a := range Aspects {
				want, ok := c.want[a]
				if !ok {
					want = Persists
				}
				if got := EffectOf(c.typ, a); got != want {
					t.Errorf("%s: got %s, want %s", a, got, want)
				}
			}
			var wiped []Aspect
			for _, a := range Aspects {
				if _, ok := c.want[a]; ok {
					wiped = append(wiped, a)
				}
			}
			if got := Wiped(c.typ); !reflect.DeepEqual(got, wiped) {
				t.Errorf("Wiped = %v, want %v", got, wiped)
			}
			if got := len(Impact(c.typ)); got != len(Aspects) {
				t.Errorf("Impact has %d aspects, want %d", got, len(Aspects))
			}
			if TokensMustBeRegenerated(c.typ) != (c.typ != Patch) {
				t.Errorf("TokensMustBeRegenerated wrong for %s", c.typ)
			}
			if len(Preparation(c.typ)) == 0 {
				t.Errorf("no preparation steps for %s", c.typ)
			}
		})
	}
}

func TestParseType(t *testing.T) {
	for _, s := range []string{"release", "infrastructure", "patch"} {
		if got, err := ParseType(s); err != nil || string(got) != s {
			t.Errorf("ParseType(%q) = %q, %v", s, got, err)
		}
	}
	if _, err := ParseType("major"); err == nil {
		t.Error("ParseType accepted an unknown type")
	}
}
