package potholes

// Config is the [potholes] section of the configuration file.
type Config struct{}

// DefaultConfig returns the built-in defaults.
func DefaultConfig() Config { return Config{} }

// Validate reports the first invalid value, naming its key.
func (c Config) Validate() error { return nil }
