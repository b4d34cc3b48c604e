package msaconfig

import (
	"log/slog"
	"time"

	"github.com/msakit/msakit/envelope"
	"github.com/msakit/msakit/examples/gosmtp"
	"github.com/msakit/msakit/examples/redislimit"
	"github.com/msakit/msakit/submission"
)

// Settings holds every setting of examples/msa and examples/msakit-milter,
// and is the one place of each: both programs read one file. A field's
// toml tag is its key in the config file (-config); a field with a usage
// tag is also the command-line flag of the same name, or of the name in
// its flag tag. The arg tag names the flag's value in -h. A use tag says
// which program uses the setting ("server": examples/msa's own SMTP
// server; "milter": msakit-milter behind an MTA); without one both do. A
// program reads the other's keys with their types (a bad value is an
// error in both) and otherwise ignores them, with one Info line at start.
// Defaults are in Defaults. Adding a setting is adding its field here
// (and its default there) and using it.
//
// The values are parsed as they are read, by the types of values.go, so a
// bad value is an error at start that names the flag or the file's line.
type Settings struct {
	Listen    string        `toml:"listen" arg:"ADDR" use:"server" usage:"STARTTLS submission listener (RFC 6409, RFC 3207); empty for none"`
	ListenTLS string        `toml:"listen-tls" arg:"ADDR" use:"server" usage:"implicit TLS submission listener (RFC 8314); empty for none"`
	Hostname  HostName      `toml:"hostname" arg:"NAME" usage:"this server's name in the greeting, Received and generated Message-IDs (behind a milter: in Message-IDs only; default: the machine's name, else localhost)"`
	Domain    QualifiedName `toml:"domain" arg:"DOMAIN" usage:"local domain, two labels or more: users' default address NAME@DOMAIN and expand-single-level; its names count as fully qualified"`
	Spool     string        `toml:"spool" arg:"DIR" use:"server" usage:"spool directory for accepted messages"`
	SpoolSync SpoolSync     `toml:"spool-sync" arg:"MODE" use:"server" usage:"how a message is on disk before its 250: group (one sync for every message that finished while the previous sync ran; on Linux syncfs, which flushes the spool's whole file system) or message (fsync of each file and of the directory, per message)"`
	TLSCert   string        `toml:"tls-cert" arg:"FILE" use:"server" usage:"PEM certificate chain, with tls-key (default: a self-signed one made at start)"`
	TLSKey    string        `toml:"tls-key" arg:"FILE" use:"server" usage:"PEM private key of tls-cert"`

	Relay             string `toml:"relay" arg:"HOST:PORT" use:"server" usage:"forward accepted messages to this MTA instead of the spool; the client gets 250 when the MTA did"`
	RelayTLS          string `toml:"relay-tls" arg:"MODE" use:"server" usage:"STARTTLS to the relay: required (a verified certificate), opportunistic or none (default: required; opportunistic for a loopback relay)"`
	RelayCA           string `toml:"relay-ca" arg:"FILE" use:"server" usage:"PEM CA certificates to trust for the relay, beside the system's"`
	RelayUser         string `toml:"relay-user" arg:"NAME" use:"server" usage:"AUTH to the relay as NAME (RFC 4954); the password comes from relay-password-file or $MSA_RELAY_PASSWORD, never from a flag"`
	RelayPasswordFile string `toml:"relay-password-file" arg:"FILE" use:"server" usage:"read the relay password from the first line of FILE"`

	FlagUsers           []userSpec  `toml:"-" flag:"user" arg:"NAME:PASSWORD[:ADDR,...]" use:"server" usage:"a user, its password in clear, and the addresses it may send as, @domain for a whole domain (repeatable; adds to the config file's users, replacing one of the same name)"`
	FlagLogins          []loginSpec `toml:"-" flag:"user" arg:"NAME[:ADDR,...]" use:"milter" usage:"a SASL login, as the MTA reports it in {auth_authen}, and the addresses it may send as, @domain for a whole domain (repeatable; adds to the config file's users, replacing one of the same name)"`
	Users               []Account   `toml:"user"`
	SubaddressSeparator string      `toml:"subaddress-separator" arg:"SEP" usage:"users may send as subaddresses of their addresses, user+tag (RFC 5233); empty for none"`
	Trusted             []Prefix    `toml:"trusted" arg:"CIDR" usage:"network whose clients may submit without AUTH (repeatable)"`

	LimitMessages            Limit  `toml:"limit-messages" arg:"N/DURATION" usage:"messages each user (or trusted address) may send per window, such as 100/1h; refused with 451 4.7.1 (0 = no limit)"`
	LimitRecipients          Limit  `toml:"limit-recipients" arg:"N/DURATION" usage:"recipients each user may send to per window, such as 500/1h; refused with 452 4.5.3 (0 = no limit)"`
	LimitAuthFailures        Limit  `toml:"limit-auth-failures" arg:"N/DURATION" use:"server" usage:"failed AUTH per client address (IPv6: per /64) before AUTH gets 454 4.7.0, then 421 and the connection closed (0 = no limit)"`
	LimitAuthFailuresPerUser Limit  `toml:"limit-auth-failures-per-user" arg:"N/DURATION" use:"server" usage:"failed AUTH per user name, the same way (0 = no limit)"`
	LimitsFailOpen           bool   `toml:"limits-fail-open" usage:"when Redis fails, let mail (and msa's AUTH) through uncounted instead of refusing it with 451 4.3.0 (AUTH: 454 4.7.0); logged at Error either way"`
	Redis                    string `toml:"redis" arg:"ADDR" usage:"keep the limits' counts in Redis (host:port or redis://[user:password@]host:port/db), shared by every MSA using it; default: in this process"`
	RedisPrefix              string `toml:"redis-prefix" arg:"PREFIX" usage:"prefix of the Redis keys"`

	DKIMKey    []dkimKeySpec `toml:"dkim-key" arg:"DOMAIN:SELECTOR:FILE" usage:"sign mail whose From (or Resent-From) is in DOMAIN with the private key in FILE, published at SELECTOR._domainkey.DOMAIN (RFC 6376; repeatable: several keys of one domain all sign; make keys with msa dkim-keygen)"`
	DKIMFields string        `toml:"dkim-fields" arg:"FIELDS" usage:"comma-separated header fields to sign besides RFC 6376, Section 5.4.1's list"`

	MaxSize           int64           `toml:"max-size" arg:"BYTES" usage:"message size limit, RFC 1870 (0 = 32 MiB)"`
	MaxRecipients     int             `toml:"max-recipients" arg:"N" usage:"recipients per message (0 = 100, RFC 5321, Section 4.5.3.1.8)"`
	ExpandSingleLevel bool            `toml:"expand-single-level" usage:"expand single-label domains with domain (RFC 6409, Section 4.2)"`
	PartialDomain     []HostName      `toml:"partial-domain" arg:"DOMAIN" usage:"refuse the names under DOMAIN as partial, never expand them (RFC 6409, Section 4.2; repeatable)"`
	LocalDomain       []HostName      `toml:"local-domain" arg:"DOMAIN" usage:"a domain of this site no public registry delegates, or a private top-level domain (lan, corp): its names count as fully qualified (RFC 6409, Section 4.2; repeatable)"`
	DisableTLDCheck   bool            `toml:"disable-tld-check" usage:"judge domains fully qualified by their syntax alone, whatever their top-level domain"`
	AddSender         bool            `toml:"add-sender" usage:"add Sender when From is not the user's own address (RFC 6409, Section 8.1)"`
	KeepBcc           bool            `toml:"keep-bcc" usage:"keep Bcc and Resent-Bcc fields, which are removed by default (RFC 5322, Section 3.6.3)"`
	AddMissingFrom    bool            `toml:"add-missing-from" usage:"give a message without From the user's address instead of refusing it"`
	AllowPostmaster   bool            `toml:"allow-postmaster" usage:"let unauthenticated clients write to the postmaster only (RFC 6409, Section 6.4)"`
	Rewrite           RewriteSettings `toml:"rewrite"`

	MaxConnections      int `toml:"max-connections" arg:"N" use:"server" usage:"connections open at once; one more gets 421 4.7.0 and is closed (0 = no limit)"`
	MaxConnectionsPerIP int `toml:"max-connections-per-ip" arg:"N" use:"server" usage:"connections open at once from one client address, an IPv6 /64 (0 = no limit)"`
	MaxErrors           int `toml:"max-errors" arg:"N" use:"server" usage:"refusals a client may collect without submitting a message; its next command gets 421 4.7.0 and the connection is closed (0 = no limit)"`

	CommandTimeout Duration `toml:"command-timeout" arg:"DURATION" use:"server" usage:"wait for each command line at most this long (RFC 5321, Section 4.5.3.2.7)"`
	DataTimeout    Duration `toml:"data-timeout" arg:"DURATION" use:"server" usage:"wait for each block of message data, DATA or BDAT, at most this long (RFC 5321, Section 4.5.3.2.5)"`
	StageTimeout   Duration `toml:"stage-timeout" arg:"DURATION" usage:"answer each command within this long: a lookup still busy then (Redis, DKIM signing, the user directory) gets the client 451 4.4.3 (RFC 6409, Section 5.3)"`

	Metrics string `toml:"metrics" arg:"ADDR" use:"server" usage:"serve Prometheus metrics at http://ADDR/metrics (empty: off)"`

	LogJSON  bool       `toml:"log-json" usage:"log JSON instead of text"`
	LogLevel slog.Level `toml:"log-level" arg:"LEVEL" usage:"least level logged: DEBUG, INFO, WARN or ERROR"`

	Milter MilterSettings `toml:"milter"`
}

// Account is one [[user]] of the config file: a user, what it may send as
// and write to, and (for examples/msa, which checks passwords itself) the
// hash of its password.
type Account struct {
	// Name is the login name (RFC 8265 UsernameCaseMapped).
	Name UserName `toml:"name"`
	// PasswordHash is an argon2id or bcrypt hash (msa hash-password).
	// Behind an MTA, which runs AUTH, it is ignored.
	PasswordHash passwordHash `toml:"password-hash" use:"server"`
	// Addresses are what the user may send as: addresses and @domain
	// patterns. The first address is the user's own (Identity.Address,
	// AddSender, AddMissingFrom); without one it is the name when that is
	// an address, else NAME@DOMAIN.
	Addresses []Pattern `toml:"addresses"`
	// Recipients, when not empty, are the only recipients the user may
	// write to (RFC 6409, Section 6.2): addresses and @domain patterns.
	Recipients []Pattern `toml:"recipients"`
}

// RewriteSettings is the [rewrite] table: submission.RewriteRules (RFC
// 6409, Section 8.8).
type RewriteSettings struct {
	// Keys are parsed by rewriteRules: go-toml reports no position for a
	// bad map key.
	Domains         map[string]QualifiedName `toml:"domains"`
	StripSubdomains []QualifiedName          `toml:"strip-subdomains"`
	Addresses       map[string]string        `toml:"addresses"`
	LocalParts      map[string]string        `toml:"local-parts"`
	Header          bool                     `toml:"header"`
}

// MilterSettings is the [milter] table: what only msakit-milter has. Its
// flags drop the table's name (-listen, -daemon).
type MilterSettings struct {
	Listen MilterAddress `toml:"listen" arg:"ADDR" use:"milter" usage:"where the MTA connects: HOST:PORT, inet:HOST:PORT, inet:PORT@HOST or unix:PATH (Postfix's smtpd_milters, Sendmail's S=)"`
	Daemon []DaemonName  `toml:"daemon" arg:"NAME" use:"milter" usage:"check only this MTA service, by its {daemon_name} (repeatable; default: every connection)"`
}

// Defaults of max-connections and max-connections-per-ip: an open
// connection costs a goroutine and some 40 KB of buffers, so a thousand
// idle ones are harmless, and fifty from one address leave room for an
// office behind one NAT address (Postfix's smtpd_client_connection_count_limit
// is 50 too).
const (
	defaultMaxConnections      = 1000
	defaultMaxConnectionsPerIP = 50
)

// Defaults returns the settings of either program started without a file
// or flags. Of the limits, AUTH is throttled out of the box (a
// password-guessing client is the commonest attack on a submission port:
// 10 failed AUTH per client address and 30 per user name in 15 minutes),
// sending is not limited (how much a user may send is the site's choice).
func Defaults() Settings {
	return Settings{
		Listen:                   "127.0.0.1:1587",
		Domain:                   QualifiedName{envelope.MustParseDomain("example.org")},
		Spool:                    "./spool",
		SubaddressSeparator:      "+",
		CommandTimeout:           Duration{gosmtp.DefaultCommandTimeout},
		DataTimeout:              Duration{gosmtp.DefaultDataTimeout},
		StageTimeout:             Duration{30 * time.Second}, // as submission.Config.StageTimeout's zero
		LogLevel:                 slog.LevelInfo,
		LimitAuthFailures:        Limit{submission.Limit{Max: 10, Per: 15 * time.Minute}},
		LimitAuthFailuresPerUser: Limit{submission.Limit{Max: 30, Per: 15 * time.Minute}},
		RedisPrefix:              redislimit.DefaultPrefix,
		DKIMFields:               defaultDKIMFields,
		MaxConnections:           defaultMaxConnections,
		MaxConnectionsPerIP:      defaultMaxConnectionsPerIP,
		MaxErrors:                gosmtp.DefaultMaxErrors,
		Milter:                   MilterSettings{Listen: MilterAddress{network: "tcp", address: "127.0.0.1:8891"}},
	}
}
