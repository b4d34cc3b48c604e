package extest

import "github.com/emersion/go-smtp"

// Send runs one mail transaction through c (RFC 5321, Section 3.3): MAIL
// FROM with mo, RCPT TO with ro for each of to, then DATA with msg. It
// returns the error of the first step that failed, an *smtp.SMTPError when
// the server refused it.
func Send(c *smtp.Client, from string, mo *smtp.MailOptions, to []string, ro *smtp.RcptOptions, msg string) error {
	if err := c.Mail(from, mo); err != nil {
		return err
	}
	for _, r := range to {
		if err := c.Rcpt(r, ro); err != nil {
			return err
		}
	}
	w, err := c.Data()
	if err != nil {
		return err
	}
	if _, err := w.Write([]byte(msg)); err != nil {
		return err
	}
	return w.Close()
}
