from anxin.exceptions import AnxinError


class BadCredentials(AnxinError):
    status_code = 401
    code = "bad_credentials"
    message_zh = "用户名或密码错误（用户名格式：用户名@租户）"
    message_en = "Wrong username or password (username is written name@tenant)"


class TooManyAttempts(AnxinError):
    """A sign-in throttle holds (``auth/limits.py``); ``retry_after`` seconds until it lets go. The API
    answers 429 with a ``Retry-After`` header, the pages show the message on the sign-in form."""

    status_code = 429
    code = "too_many_attempts"
    message_zh = "尝试过于频繁或错误次数过多，请约 {minutes} 分钟后再试"
    message_en = "Too many attempts; try again in about {minutes} min"

    def __init__(self, retry_after: int) -> None:
        self.retry_after = max(1, int(retry_after))
        super().__init__(minutes=-(-self.retry_after // 60))

    @property
    def response_headers(self) -> dict[str, str]:
        return {"Retry-After": str(self.retry_after)}

    def details(self) -> dict[str, int]:
        return {"retry_after": self.retry_after}
