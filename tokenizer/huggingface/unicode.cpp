#include "tokenizer/huggingface/unicode.h"

#include <unicode/uchar.h>
#include <unicode/unorm2.h>
#include <unicode/ustring.h>

#include <vector>

#include "core/error.h"
#include "tokenizer/huggingface/utf8.h"

namespace grpo::hf {
namespace {

std::u16string to_utf16(std::string_view text) {
  std::u16string out(text.size() + 1, u'\0');
  int32_t length = 0;
  UErrorCode status = U_ZERO_ERROR;
  u_strFromUTF8(reinterpret_cast<UChar*>(out.data()), static_cast<int32_t>(out.size()), &length, text.data(),
                static_cast<int32_t>(text.size()), &status);
  if (U_FAILURE(status))
    fail("cannot convert {} bytes of text to UTF-16: {}", text.size(), u_errorName(status));
  out.resize(static_cast<size_t>(length));
  return out;
}

std::string to_utf8(const std::u16string& text) {
  std::string out(text.size() * 3 + 1, '\0');
  int32_t length = 0;
  UErrorCode status = U_ZERO_ERROR;
  u_strToUTF8(out.data(), static_cast<int32_t>(out.size()), &length,
              reinterpret_cast<const UChar*>(text.data()), static_cast<int32_t>(text.size()), &status);
  if (U_FAILURE(status)) fail("cannot convert text back to UTF-8: {}", u_errorName(status));
  out.resize(static_cast<size_t>(length));
  return out;
}

const UNormalizer2* normalizer(NormalizationForm form) {
  UErrorCode status = U_ZERO_ERROR;
  const UNormalizer2* result = nullptr;
  switch (form) {
    case NormalizationForm::NFC:
      result = unorm2_getNFCInstance(&status);
      break;
    case NormalizationForm::NFD:
      result = unorm2_getNFDInstance(&status);
      break;
    case NormalizationForm::NFKC:
      result = unorm2_getNFKCInstance(&status);
      break;
    case NormalizationForm::NFKD:
      result = unorm2_getNFKDInstance(&status);
      break;
  }
  if (U_FAILURE(status)) fail("ICU has no Unicode normalization data: {}", u_errorName(status));
  return result;
}

}  // namespace

std::string normalize_unicode(std::string_view text, NormalizationForm form) {
  // ASCII is stable under all four forms: such text (most of it) skips ICU.
  bool plain = true;
  for (char c : text) plain = plain && static_cast<unsigned char>(c) < 0x80;
  if (plain) return std::string(text);
  const std::u16string source = to_utf16(text);
  const UNormalizer2* instance = normalizer(form);
  UErrorCode status = U_ZERO_ERROR;
  if (unorm2_isNormalized(instance, reinterpret_cast<const UChar*>(source.data()),
                          static_cast<int32_t>(source.size()), &status) &&
      U_SUCCESS(status)) {
    return std::string(text);
  }
  status = U_ZERO_ERROR;
  std::u16string result(source.size() * 4 + 16, u'\0');
  const int32_t length = unorm2_normalize(
      instance, reinterpret_cast<const UChar*>(source.data()), static_cast<int32_t>(source.size()),
      reinterpret_cast<UChar*>(result.data()), static_cast<int32_t>(result.size()), &status);
  if (status == U_BUFFER_OVERFLOW_ERROR) {
    result.assign(static_cast<size_t>(length), u'\0');
    status = U_ZERO_ERROR;
    unorm2_normalize(instance, reinterpret_cast<const UChar*>(source.data()),
                     static_cast<int32_t>(source.size()), reinterpret_cast<UChar*>(result.data()),
                     static_cast<int32_t>(result.size()), &status);
  }
  if (U_FAILURE(status))
    fail("Unicode normalization failed on {} bytes of text: {}", text.size(), u_errorName(status));
  result.resize(static_cast<size_t>(length));
  return to_utf8(result);
}

std::string lowercase(std::string_view text) {
  std::string out;
  out.reserve(text.size());
  for (size_t at = 0; at < text.size();) {
    const size_t begin = at;
    const char32_t c = next_code_point(text, at);
    if (c < 0x80) {
      out += static_cast<char>(c >= 'A' && c <= 'Z' ? c + 32 : c);
      continue;
    }
    // One character at a time: no context, so a final sigma lowercases to σ as in Rust.
    const std::u16string source = to_utf16(text.substr(begin, at - begin));
    UChar lowered[16];
    UErrorCode status = U_ZERO_ERROR;
    const int32_t length = u_strToLower(lowered, 16, reinterpret_cast<const UChar*>(source.data()),
                                        static_cast<int32_t>(source.size()), "", &status);
    if (U_FAILURE(status)) {
      out.append(text.substr(begin, at - begin));
      continue;
    }
    out += to_utf8(std::u16string(reinterpret_cast<const char16_t*>(lowered), static_cast<size_t>(length)));
  }
  return out;
}

bool is_whitespace(char32_t c) {
  return u_hasBinaryProperty(static_cast<UChar32>(c), UCHAR_WHITE_SPACE);
}

bool is_word_character(char32_t c) {
  const auto code_point = static_cast<UChar32>(c);
  if (u_hasBinaryProperty(code_point, UCHAR_ALPHABETIC)) return true;
  const int8_t category = u_charType(code_point);
  return category == U_NON_SPACING_MARK || category == U_ENCLOSING_MARK ||
         category == U_COMBINING_SPACING_MARK || category == U_DECIMAL_DIGIT_NUMBER ||
         category == U_CONNECTOR_PUNCTUATION || u_hasBinaryProperty(code_point, UCHAR_JOIN_CONTROL);
}

}  // namespace grpo::hf
