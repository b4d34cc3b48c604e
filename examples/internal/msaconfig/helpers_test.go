package msaconfig

// The two programs, as examples/msa and examples/msakit-milter declare
// them (without their own checks).
var (
	serverProgram = &Program{Name: "msa", Role: RoleServer}
	milterProgram = &Program{Name: "msakit-milter", Role: RoleMilter}
)

// exampleFile is examples/msa's example config file, which both programs
// read.
const exampleFile = "../../msa/msa.example.toml"

// configure parses args for program p and loads what they name; the
// machine's name is mail.example.org.
func configure(p *Program, args ...string) (*Loaded, error) {
	cl, err := ParseArgs(p, args)
	if err != nil {
		return nil, err
	}
	cl.machine = func() (string, error) { return "mail.example.org", nil }
	return cl.Load()
}
