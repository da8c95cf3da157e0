"""The technician's own photo in the technician app (``/tech/photo``): what the customers of their orders
see beside their name, and a form to take or choose a new one (checked, squared and re-encoded by
``technician.photo``; a refused picture is said on the page, 422, with nothing changed)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Request
from fastapi.responses import FileResponse, HTMLResponse, Response
from starlette.datastructures import UploadFile as StarletteUpload

from anxin import clock
from anxin.auth.models import User
from anxin.auth.permissions import Action
from anxin.dependencies import DbSession, SettingsDep
from anxin.exceptions import AnxinError, InvalidInput
from anxin.technician import photo
from anxin.technician import service as technician_service
from anxin.web import i18n
from anxin.web.session import page_user
from anxin.web.templating import PageRoute, render, see_other

router = APIRouter(route_class=PageRoute, include_in_schema=False)
Tech = Annotated[User, Depends(page_user(Action.TECHNICIAN_APP))]

i18n.extend(
    {
        "tp_nav": ("我的照片", "My photo"),
        "tp_title": ("我的照片", "My photo"),
        "tp_explain": (
            "您上门的客户会在订单页看到这张照片和您的姓名。请用正面、清晰、穿工服的照片。",
            "The customers you visit see this photo beside your name on their order page. Use a clear photo "
            "of your face in your work clothes.",
        ),
        "tp_none": ("还没有照片", "No photo yet"),
        "tp_choose": ("拍照或选择照片（JPEG、PNG 或 WebP）", "Take or choose a photo (JPEG, PNG or WebP)"),
        "tp_save": ("保存照片", "Save the photo"),
        "tp_saved": ("照片已更新", "Your photo is updated"),
    }
)


def _page(request: Request, db: DbSession, user: User, *, status_code: int = 200, error: str | None = None):
    technician = technician_service.get(db, tenant_id=user.tenant_id, id=user.technician_id or -1)
    return render(
        request,
        "tech/photo.html",
        status_code=status_code,
        technician=technician,
        version=photo.version(technician),
        saved=request.query_params.get("saved") == "1",
        error=error,
    )


@router.get("/tech/photo", response_class=HTMLResponse)
def photo_page(request: Request, db: DbSession, user: Tech) -> Response:
    return _page(request, db, user)


@router.post("/tech/photo")
async def upload_photo(request: Request, db: DbSession, user: Tech, settings: SettingsDep) -> Response:
    form = await request.form()
    file = form.get("file")
    technician = technician_service.get(db, tenant_id=user.tenant_id, id=user.technician_id or -1)
    try:
        if not isinstance(file, StarletteUpload) or not file.filename:
            raise InvalidInput("file", "请选择照片", "choose a photo")
        data = await file.read(settings.max_upload_bytes + 1)
        photo.set_photo(
            db,
            technician=technician,
            actor=user,
            data=data,
            upload_dir=settings.upload_dir,
            max_bytes=settings.max_upload_bytes,
            now=clock.now(),
        )
    except AnxinError as error:
        db.rollback()
        return _page(
            request, db, user, status_code=error.status_code, error=error.message(i18n.language(request))
        )
    return see_other("/tech/photo?saved=1")


@router.get("/tech/photo/image")
def own_photo(db: DbSession, user: Tech, settings: SettingsDep) -> Response:
    technician = technician_service.get(db, tenant_id=user.tenant_id, id=user.technician_id or -1)
    served = photo.served(technician, upload_dir=settings.upload_dir)
    return FileResponse(served.path, media_type=served.media_type, headers=served.headers)
