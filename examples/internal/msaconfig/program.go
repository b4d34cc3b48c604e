package msaconfig

// Role is what a program does with the settings: examples/msa runs its own
// SMTP server and checks passwords; msakit-milter sits behind an MTA,
// which runs SMTP, TLS and AUTH itself.
type Role string

// The two roles, the values of the settings' use tags.
const (
	RoleServer Role = "server"
	RoleMilter Role = "milter"
)

// Program is one command that reads the settings.
type Program struct {
	// Name is the command's name in errors ("msa -h lists the flags") and
	// in -h.
	Name string
	// Role selects the settings the program uses: those whose use tag is
	// the role's, or that have none.
	Role Role
	// Usage is the head of -h, before the flags.
	Usage string
	// Check, when set, refuses the program's own combinations of values
	// (Loaded.ErrorAt names the flag or the file's line); it runs after
	// the shared checks.
	Check func(*Loaded) error
}

// uses reports whether the program uses a setting whose use tag is tag.
func (p *Program) uses(tag string) bool { return tag == "" || Role(tag) == p.Role }
