"""The people of the tests, made once here.

The tree: a city with two districts (A and B), two schools in district A,
one in district B, and one school directly under the city.
"""
from types import SimpleNamespace

import pytest
from django.conf import settings
from django.utils import translation
from django.contrib.auth import get_user_model

from organizations.roles import Role
from organizations.services import membership_grant, organization_create


def _user(username, org, role):
    user = get_user_model().objects.create_user(username=username, password="pw-for-tests-1", first_name=username)
    membership_grant(user=user, organization=org, role=role)
    return user


@pytest.fixture(autouse=True)
def _site_language():
    """Every test starts in the site's first language: a request in English activates English for the
    thread (Django's locale middleware never switches back), and services called directly afterwards
    would otherwise speak it."""
    translation.activate(settings.LANGUAGE_CODE)
    yield
    translation.activate(settings.LANGUAGE_CODE)


@pytest.fixture(autouse=True)
def _fresh_access_answers():
    """Every test starts with no cached shell answers (organizations.access_cache): the database is rolled
    back between tests, the cache is not, and the next test's users reuse the same primary keys."""
    from organizations import access_cache

    access_cache.start_over()
    yield


@pytest.fixture
def tree(db):
    city = organization_create(code="C", name="测试市教育局", kind="city", doc_prefix="测教督改")
    district_a = organization_create(code="DA", name="甲区教体局", kind="district", parent=city, doc_prefix="甲教督改")
    district_b = organization_create(code="DB", name="乙区教体局", kind="district", parent=city, doc_prefix="乙教督改")
    return SimpleNamespace(
        city=city, district_a=district_a, district_b=district_b,
        school_a=organization_create(code="SA", name="甲一职专", kind="school", parent=district_a),
        school_a2=organization_create(code="SA2", name="甲二职专", kind="school", parent=district_a),
        school_b=organization_create(code="SB", name="乙一职专", kind="school", parent=district_b),
        school_c=organization_create(code="SC", name="市属艺术学校", kind="school", parent=city),
    )


@pytest.fixture
def people(tree):
    """One person per role that the tests talk about."""
    return SimpleNamespace(
        city_leader=_user("city_leader", tree.city, Role.LEADER),
        city_inspector=_user("city_inspector", tree.city, Role.INSPECTOR),
        city_admin=_user("city_admin", tree.city, Role.ADMIN),
        district_leader=_user("district_leader", tree.district_a, Role.LEADER),
        district_inspector=_user("district_inspector", tree.district_a, Role.INSPECTOR),
        other_district_leader=_user("other_district_leader", tree.district_b, Role.LEADER),
        other_district_inspector=_user("other_district_inspector", tree.district_b, Role.INSPECTOR),
        school_leader=_user("school_leader", tree.school_a, Role.SCHOOL_LEADER),
        school_staff=_user("school_staff", tree.school_a, Role.SCHOOL_STAFF),
        outsider=_user("outsider", tree.school_a2, Role.SCHOOL_STAFF),
        other_school_staff=_user("other_school_staff", tree.school_b, Role.SCHOOL_STAFF),
        city_school_staff=_user("city_school_staff", tree.school_c, Role.SCHOOL_STAFF),
    )
