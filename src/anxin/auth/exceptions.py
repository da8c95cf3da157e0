from anxin.exceptions import AnxinError


class BadCredentials(AnxinError):
    status_code = 401
    code = "bad_credentials"
    message_zh = "用户名或密码错误（用户名格式：用户名@租户）"
    message_en = "Wrong username or password (username is written name@tenant)"
