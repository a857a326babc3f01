from gongkai.cli import app

app(prog_name="gongkai")
