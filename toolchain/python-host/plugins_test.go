package main

import "testing"

// The real host's translations (determinePluginVersion's documented examples and its table).
func TestPluginVersion(t *testing.T) {
	for in, want := range map[string]string{
		"1": "1.0.0", "1.0": "1.0.0", "1.2.3": "1.2.3", "1.2.3.4": "1.2.3.4",
		"1.2.3a4": "1.2.3-alpha.4", "1.2.3b4": "1.2.3-beta.4", "1.2.3rc4": "1.2.3-rc.4",
		"1.2.3.post4": "1.2.3+post4", "1.2.3.dev5": "1.2.3+dev5", "1.2.3.post4.dev5": "1.2.3+post4dev5",
		"1.2.3rc4.post5.dev6": "1.2.3-rc.4+post5dev6", "1!2.3": "", "1.2.3+local": "", "": "",
	} {
		if got := pluginVersion(in); got != want {
			t.Errorf("pluginVersion(%q) = %q, want %q", in, got, want)
		}
	}
}
