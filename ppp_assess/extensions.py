"""Flask extensions, created unbound and initialised by ``create_app``."""

from flask_babel import Babel
from flask_limiter import Limiter
from flask_limiter.util import get_remote_address
from flask_login import LoginManager
from flask_wtf.csrf import CSRFProtect

babel = Babel()
csrf = CSRFProtect()
login_manager = LoginManager()
#: Rate limits apply only where a view asks for one; storage is chosen in ``create_app``.
limiter = Limiter(key_func=get_remote_address, default_limits=[])
