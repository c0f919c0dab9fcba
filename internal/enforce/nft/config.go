package nft

// Config is the nftables: section of seawall.yaml: whether `seawall serve`
// keeps the block installed in the kernel itself, reapplying it at start
// and on every reload through one long-lived Backend, so that an update is
// a delta of about a millisecond. One-shot `seawall block apply` works
// either way; serve changes no firewall unless this is enabled.
type Config struct {
	Enabled bool `yaml:"enabled"`
}
