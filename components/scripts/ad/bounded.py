"""A run of AD work that always ends: Samba's LDAP client can block in C (a DC that accepts the
connection and never answers) where no Python signal reaches it, so the work runs in a child
process that is killed at the deadline. Its temporary files (krb5.conf, credential caches) live
under a directory this process removes whatever happened to the child."""

import os
import shutil
import signal
import sys
import tempfile
import time


def run_bounded(seconds, work, on_timeout):
    """Runs work() (-> exit code) in a child process; after `seconds` kills it, calls on_timeout()
    and returns 1."""
    scratch = tempfile.mkdtemp(prefix="eks-gmsa-ad-run-")
    os.environ["EKS_GMSA_AD_TMP"] = scratch
    sys.stdout.flush()
    sys.stderr.flush()
    child = os.fork()
    if child == 0:
        code = 1
        try:
            code = work()
        except BaseException as e:  # the work's own handler missed it: one line, not silence
            print("eks-gmsa: internal: %s: %s" % (type(e).__name__, str(e)[:300]), file=sys.stderr)
        finally:
            sys.stdout.flush()
            sys.stderr.flush()
            os._exit(code)
    try:
        end = time.monotonic() + seconds
        while True:
            pid, status = os.waitpid(child, os.WNOHANG)
            if pid:
                return os.waitstatus_to_exitcode(status) if os.WIFEXITED(status) else 1
            if time.monotonic() > end:
                os.kill(child, signal.SIGKILL)
                os.waitpid(child, 0)
                on_timeout()
                return 1
            time.sleep(0.05)
    finally:
        shutil.rmtree(scratch, ignore_errors=True)
