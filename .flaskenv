# Read by the `flask` command only (python-dotenv). Production runs under gunicorn with
# PINGJIA_ENV=production and a real SECRET_KEY from the environment.
PINGJIA_ENV=development
